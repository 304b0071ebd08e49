"""Reference data from each worker's snapshot: one stamp read per answer, ETags, no stale data."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlmodel import Session, select

from ehp_api.core.permissions import Role
from ehp_api.organisations.models import Organisation
from ehp_api.web import reference

READS = (
    "/api/v1/strategy",
    "/api/v1/axes",
    "/api/v1/axes/1",
    "/api/v1/objectives?axis=1",
    "/api/v1/objectives/1.3",
    "/api/v1/activities?limit=50",
    "/api/v1/activities/1.2.1",
    "/api/v1/indicators?measure=percentage",
    "/api/v1/indicators/1.3.2.1",
    "/api/v1/disaggregations",
    "/api/v1/organisations?ehp_member=true",
    "/api/v1/organisations/HCR",
    "/api/v1/locations?level=1",
    "/api/v1/locations/ML07",
    "/api/v1/focus-areas",
    "/api/v1/focus-areas/liptako_gourma",
    "/api/v1/periods?year=2021",
    "/api/v1/periods/2021Q2",
)


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL run on the test's connection meanwhile, but the test's savepoints."""
    seen: list[str] = []

    def record(*args: object) -> None:
        if "SAVEPOINT" not in str(args[2]):
            seen.append(str(args[2]))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize("path", READS)
def test_a_kept_answer_reads_only_the_stamp_and_is_the_same(
    client: TestClient, session: Session, path: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200, first.text
    with statements(session) as seen:
        again = client.get(path)
    assert again.json() == first.json()
    assert len(seen) == 1, seen
    assert "reference_stamp" in seen[0]


def test_the_first_answer_is_what_the_rows_say(client: TestClient, session: Session) -> None:
    """The snapshot renders like the route did: the public model, by alias."""
    hcr = session.exec(select(Organisation).where(Organisation.code == "HCR")).one()
    body = client.get("/api/v1/organisations/HCR").json()
    assert body["code"] == "HCR"
    assert body["name_fr"] == hcr.name_fr


def test_etag_and_if_none_match(client: TestClient) -> None:
    first = client.get("/api/v1/indicators/1.3.2.1")
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    unchanged = client.get("/api/v1/indicators/1.3.2.1", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == etag
    other = client.get("/api/v1/indicators/1.3.2.2", headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert other.headers["ETag"] != etag


def test_a_change_through_the_api_is_seen_at_once(client_as: Callable[..., TestClient]) -> None:
    admin = client_as(Role.admin, "OCHA")
    before = admin.get("/api/v1/organisations/HCR")
    changed = admin.patch("/api/v1/organisations/HCR", json={"description": "Gao office open"})
    assert changed.status_code == 200, changed.text
    after = admin.get(
        "/api/v1/organisations/HCR", headers={"If-None-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200
    assert after.json()["description"] == "Gao office open"
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_period_lock_is_seen_at_once(client_as: Callable[..., TestClient]) -> None:
    ocha = client_as(Role.secretariat, "OCHA")
    assert ocha.get("/api/v1/periods/2021Q2").json()["lock"] is None
    assert ocha.post("/api/v1/periods/2021Q2/lock", json={}).status_code == 200
    assert ocha.get("/api/v1/periods/2021Q2").json()["lock"]["locked_by"]


def test_a_change_by_another_process_is_seen_on_the_next_request(
    client: TestClient, session: Session
) -> None:
    """Another worker or the CLI changes a row through the ORM: the stamp moves with it."""
    assert client.get("/api/v1/organisations/HCR").json()["description"] != "changed elsewhere"
    hcr = session.exec(select(Organisation).where(Organisation.code == "HCR")).one()
    hcr.description = "changed elsewhere"
    session.add(hcr)
    session.flush()
    assert client.get("/api/v1/organisations/HCR").json()["description"] == "changed elsewhere"


def test_sql_past_the_service_needs_the_touch(client: TestClient, session: Session) -> None:
    """What `ehp-api db touch-reference` is for."""
    assert client.get("/api/v1/organisations/HCR").status_code == 200
    session.execute(text("UPDATE organisations SET description = 'by hand' WHERE code = 'HCR'"))
    assert client.get("/api/v1/organisations/HCR").json()["description"] != "by hand"
    reference.touch(session)
    assert client.get("/api/v1/organisations/HCR").json()["description"] == "by hand"


def test_credentials_are_still_checked_on_a_kept_answer(
    client: TestClient, anon_client: TestClient, client_as: Callable[..., TestClient]
) -> None:
    assert client.get("/api/v1/periods/2021Q2").status_code == 200
    assert anon_client.get("/api/v1/periods/2021Q2").status_code == 401


def test_a_missing_record_is_still_a_404(client: TestClient) -> None:
    for _ in range(2):
        response = client.get("/api/v1/indicators/9.9.9.9")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


def test_a_change_outside_the_reference_tables_keeps_the_snapshot(
    hcr: TestClient, session: Session
) -> None:
    version = reference.version_of(session)
    posted = hcr.post(
        "/api/v1/readings",
        json={"indicator": "1.1.1.1", "period": "2021Q2", "location": "ML0701", "value": 4},
    )
    assert posted.status_code == 201, posted.text
    assert reference.version_of(session) == version


def test_gzipped_bytes_have_their_own_tag_which_still_matches(client: TestClient) -> None:
    plain = client.get("/api/v1/activities?limit=50", headers={"Accept-Encoding": "identity"})
    gzipped = client.get("/api/v1/activities?limit=50", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert gzipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    for tag in (plain.headers["ETag"], gzipped.headers["ETag"]):
        for encoding, answered in (("gzip", gzipped), ("identity", plain)):
            again = client.get(
                "/api/v1/activities?limit=50",
                headers={"If-None-Match": tag, "Accept-Encoding": encoding},
            )
            # The tag the 200 would have carried for this request (RFC 9110, 15.4.5).
            assert (again.status_code, again.headers["ETag"]) == (304, answered.headers["ETag"])


def test_a_small_records_304_carries_its_one_tag(hcr: TestClient) -> None:
    """An answer under the gzip threshold is never gzipped: one tag, whatever is accepted."""
    url = "/api/v1/periods/2021Q2"
    answered = hcr.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in answered.headers
    again = hcr.get(url, headers={"If-None-Match": answered.headers["ETag"]})
    assert (again.status_code, again.headers["ETag"]) == (304, answered.headers["ETag"])


def test_a_rolled_back_change_leaves_its_version_to_nobody(session: Session) -> None:
    """A worker may have kept answers under a version read inside a transaction that then rolled
    back: the next change must not take the same number."""
    before = reference.version_of(session)
    undone = session.begin_nested()
    reference.touch(session)
    seen_inside = reference.version_of(session)
    undone.rollback()
    assert reference.version_of(session) == before
    reference.touch(session)
    assert reference.version_of(session) not in {before, seen_inside}


def test_a_memo_is_built_once_per_version(session: Session) -> None:
    built: list[int] = []

    def build() -> int:
        built.append(1)
        return len(built)

    assert reference.memo(session, "test.memo", build) == 1
    assert reference.memo(session, "test.memo", build) == 1
    reference.touch(session)
    assert reference.memo(session, "test.memo", build) == 2


def test_a_new_organisations_readings_carry_its_code(
    client_as: Callable[..., TestClient], session: Session
) -> None:
    """The readings' codes by id are kept per version: an organisation added since is named."""
    ocha = client_as(Role.secretariat, "OCHA")
    assert ocha.get("/api/v1/readings").status_code == 200  # the lookups are kept now
    admin = client_as(Role.admin, "OCHA")
    created = admin.post(
        "/api/v1/organisations", json={"code": "NEWNGO", "name_fr": "ONG nouvelle", "kind": "ngo"}
    )
    assert created.status_code == 201, created.text
    partner = client_as(Role.partner, "NEWNGO")
    posted = partner.post(
        "/api/v1/readings",
        json={"indicator": "1.1.1.1", "period": "2021Q2", "location": "ML0701", "value": 2},
    )
    assert posted.status_code == 201, posted.text
    assert partner.get(f"/api/v1/readings/{posted.json()['id']}").json()["organisation"] == "NEWNGO"


def test_the_openapi_document_shows_the_etag_and_the_304(client: TestClient) -> None:
    """Client teams find `If-None-Match`, the `ETag` and the 304 on the operations that answer
    from the snapshot, and only there."""
    document = client.get("/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for path_item in document["paths"].values()
        for operation in path_item.values()
    }
    for name in ("get_indicator", "list_activities", "get_period", "list_organisations"):
        operation = operations[name]
        assert set(operation["responses"]["200"]["headers"]) >= {"ETag", "Cache-Control"}
        assert "ETag" in operation["responses"]["304"]["headers"]
        assert "content" not in operation["responses"]["304"]
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert "If-None-Match" in headers
    # A record's own version (web.validators): its ETag, If-None-Match and 304, no Cache-Control
    # of the snapshot.
    for name in ("get_alert", "get_complaint", "get_reading"):
        operation = operations[name]
        assert "ETag" in operation["responses"]["200"]["headers"], name
        assert "content" not in operation["responses"]["304"], name
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers.count("If-None-Match") == 1, name
    for name in ("list_readings", "list_alerts", "get_me", "create_organisation"):
        assert "304" not in operations[name]["responses"], name
    # What a 304 is documented for is what answers one.
    etag = client.get("/api/v1/periods/2021Q2").headers["ETag"]
    again = client.get("/api/v1/periods/2021Q2", headers={"If-None-Match": etag})
    assert again.status_code == 304
