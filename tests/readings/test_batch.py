"""POST /readings/batch: dry run, atomic and partial modes, summaries, idempotency keys."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, func, select

from ehp_api.readings.models import Reading
from tests.helpers import all_items
from tests.readings.conftest import count_reading

GOOD = [count_reading(location=p) for p in ("ML0701", "ML0702", "ML0703")]
BAD = count_reading(location="ML0501", value=-3)


def batch(client: TestClient, rows: list[dict[str, Any]], key: str | None = None, **params: Any):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/v1/readings/batch", json={"readings": rows}, params=params, headers=headers
    )


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


class TestModes:
    def test_summary_counts_each_outcome(self, hcr: TestClient) -> None:
        batch(hcr, GOOD[:2])
        summary = batch(hcr, [GOOD[0], {**GOOD[1], "value": 9}, GOOD[2]]).json()
        assert {k: summary[k] for k in ("created", "updated", "unchanged", "rejected")} == {
            "created": 1, "updated": 1, "unchanged": 1, "rejected": 0,
        }  # fmt: skip
        assert [r["outcome"] for r in summary["results"]] == ["unchanged", "updated", "created"]
        assert all(r["id"] for r in summary["results"])

    def test_an_empty_key_is_named_in_the_conflict(self, hcr: TestClient) -> None:
        # Found by the long property run: the conflict's field was the empty key itself ("").
        response = batch(hcr, [GOOD[0] | {"": 1}])
        assert response.status_code == 422
        [conflict] = response.json()["summary"]["conflicts"]
        assert (conflict["field"], conflict["code"]) == ('""', "extra_forbidden")
        top = hcr.post("/api/v1/readings/batch", json={"readings": GOOD, "": 1})
        assert top.json()["errors"][0]["field"] == '""'

    def test_dry_run_checks_everything_and_writes_nothing(
        self, hcr: TestClient, session: Session
    ) -> None:
        summary = batch(hcr, [*GOOD, BAD], dry_run="true").json()
        assert (summary["dry_run"], summary["created"], summary["rejected"]) == (True, 3, 1)
        assert summary["written"] is False
        assert stored(session) == 0

    def test_atomic_batch_with_one_bad_row_writes_nothing_and_names_it(
        self, hcr: TestClient, session: Session
    ) -> None:
        response = batch(hcr, [*GOOD, BAD])
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        [conflict] = response.json()["summary"]["conflicts"]
        assert (conflict["rows"], conflict["field"], conflict["code"]) == (
            [3],
            "value",
            "count_required",
        )
        assert "nothing was stored" in response.json()["detail"]
        summary = response.json()["summary"]
        assert (summary["written"], summary["created"], summary["not_stored"]) == (False, 0, 3)
        assert [r["outcome"] for r in summary["results"]] == ["not_stored"] * 3 + ["rejected"]
        assert stored(session) == 0

    def test_partial_batch_stores_the_good_rows(self, hcr: TestClient, session: Session) -> None:
        response = batch(hcr, [*GOOD, BAD], mode="partial")
        assert response.status_code == 200
        assert (response.json()["created"], response.json()["rejected"]) == (3, 1)
        assert stored(session) == 3

    def test_duplicates_in_a_batch_are_refused_together(self, hcr: TestClient) -> None:
        summary = batch(hcr, [GOOD[0], GOOD[1], {**GOOD[0], "value": 7}], mode="partial").json()
        [conflict] = summary["conflicts"]
        assert (conflict["rows"], conflict["code"]) == ([0, 2], "duplicate_in_batch")
        assert summary["created"] == 1

    def test_a_malformed_row_is_reported_with_its_field(self, hcr: TestClient) -> None:
        summary = batch(hcr, [GOOD[0], {"indicator": "1.1.1.1", "value": 2}], mode="partial").json()
        [conflict] = summary["conflicts"]
        assert (conflict["rows"], conflict["field"], conflict["code"]) == ([1], "period", "missing")

    def test_body_must_be_a_list_of_readings(self, hcr: TestClient) -> None:
        response = hcr.post("/api/v1/readings/batch", json={"rows": []})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "readings"

    def test_the_batch_is_audited_once(self, hcr: TestClient, ocha: TestClient) -> None:
        batch(hcr, GOOD)
        events = ocha.get("/api/v1/audit-events", params={"action": "reading.import"}).json()
        [event] = events["items"]
        assert event["changes"]["counts"]["new"]["created"] == 3


class TestIdempotency:
    def test_a_retry_returns_the_stored_answer_and_writes_nothing(
        self, hcr: TestClient, session: Session
    ) -> None:
        first = batch(hcr, GOOD, key="hcr-2021q2-batch-1")
        again = batch(hcr, GOOD, key="hcr-2021q2-batch-1")
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert stored(session) == 3
        assert again.json()["created"] == 3

    def test_a_stored_refusal_is_replayed_too(self, hcr: TestClient) -> None:
        first = batch(hcr, [*GOOD, BAD], key="k-refused")
        again = batch(hcr, [*GOOD, BAD], key="k-refused")
        assert (first.status_code, again.status_code) == (422, 422)
        assert again.headers["content-type"] == "application/problem+json"

    def test_the_same_key_with_another_body_is_refused(self, hcr: TestClient) -> None:
        batch(hcr, GOOD, key="k-1")
        response = batch(hcr, GOOD[:1], key="k-1")
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "idempotency_key_reused"

    def test_keys_belong_to_one_caller(self, hcr: TestClient, unicef: TestClient) -> None:
        batch(hcr, GOOD, key="shared-name")
        other = batch(unicef, [count_reading(location="ML0901")], key="shared-name")
        assert other.status_code == 200
        assert other.json()["created"] == 1

    def test_dry_run_does_not_consume_the_key(self, hcr: TestClient) -> None:
        batch(hcr, GOOD, key="k-dry", dry_run="true")
        assert batch(hcr, GOOD, key="k-dry").json()["created"] == 3


def test_a_bad_value_is_one_conflict_naming_the_field(hcr: TestClient) -> None:
    summary = batch(hcr, [count_reading(value=2.5)], mode="partial").json()
    [conflict] = summary["conflicts"]
    assert conflict["field"] == "value"
    assert [r["outcome"] for r in summary["results"]] == ["rejected"]


def test_numbers_beyond_the_integer_columns_are_refused_naming_the_field(
    hcr: TestClient, session: Session
) -> None:
    rows = [
        count_reading(value=2**31),
        count_reading(location="ML0702", value=10**30),
        {"indicator": "1.1.5.1", "period": "2021Q2", "numerator": 1, "denominator": 2**31},
        count_reading(location="ML0703", value=2**31 - 1),
    ]
    response = batch(hcr, rows, mode="partial")
    assert response.status_code == 200, response.text
    conflicts = {c["rows"][0]: (c["field"], c["code"]) for c in response.json()["conflicts"]}
    assert conflicts == {
        0: ("value", "integer_too_large"),
        1: ("value", "integer_too_large"),
        2: ("denominator", "integer_too_large"),
    }
    assert stored(session) == 1


def test_statement_count_does_not_grow_with_the_batch(hcr: TestClient, engine: Engine) -> None:
    def statements_for(rows: list[dict[str, Any]]) -> int:
        seen: list[str] = []

        def record(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert batch(hcr, rows).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len([s for s in seen if not s.startswith(("SAVEPOINT", "RELEASE"))])

    cercles = list(all_items(hcr, "/api/v1/locations", level=2))
    small = [count_reading(location=c["pcode"], period="2021Q1") for c in cercles[:3]]
    large = [
        count_reading(location=c["pcode"], period=p) for c in cercles for p in ("2021Q3", "2021Q4")
    ]
    hcr.get("/api/v1/me")  # the key's first use records last_used_at: not what we measure
    assert statements_for(small) == statements_for(large)
    assert len(large) == 98
    updated = [{**row, "value": 9} for row in large]
    assert statements_for([{**row, "value": 9} for row in small]) == statements_for(updated)
