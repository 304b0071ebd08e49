"""Numbers, ids, cursors and free text at the edges of what the database holds: stored and read
back unchanged, or refused with a 422 naming the field; never a 500, never a partial write."""

import base64
import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from ehp_api.readings.models import Reading
from tests.properties.checks import assert_answer, http_settings, json_values

INT32 = 2**31 - 1
numbers = st.one_of(
    st.integers(0, 1000),
    st.integers(INT32 - 2, INT32 + 2),
    st.integers(2**63 - 2, 2**63 + 2),
    st.integers(-(2**70), 2**70),
)
# Any text JSON can carry (lone surrogates cannot be encoded as UTF-8 by a client).
texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60) | st.sampled_from(
    ["\x00", "a\x00b", "\\u0000", "=1+1", "'", "é" * 2000]
)
CERCLES = ["ML0701", "ML0702", "ML0703"]


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


def in_range(*values: int) -> bool:
    return all(-INT32 <= v <= INT32 for v in values)


class TestNumbers:
    @http_settings()
    @given(count=numbers, numerator=numbers, denominator=numbers)
    def test_counts_and_fractions_of_any_size(
        self, hcr: TestClient, session: Session, count: int, numerator: int, denominator: int
    ) -> None:
        rows = [
            {"indicator": "1.1.1.1", "period": "2021Q2", "location": "ML0701", "value": count},
            {
                "indicator": "1.1.5.1",
                "period": "2021Q2",
                "numerator": numerator,
                "denominator": denominator,
            },
        ]
        before = stored(session)
        response = hcr.post("/api/v1/readings/batch", json={"readings": rows})
        body = assert_answer(response, 200)
        valid_fraction = in_range(denominator) and 0 <= numerator <= denominator > 0
        valid_count = in_range(count) and count >= 0  # a count is never negative
        if valid_count and valid_fraction:
            assert response.status_code == 200, body
            assert stored(session) == before + body["created"]
            return
        assert response.status_code == 422
        assert stored(session) == before
        fields = {c["field"] for c in body["summary"]["conflicts"]}
        assert fields <= {"value", "numerator", "denominator"}
        if not valid_count:
            assert "value" in fields


class TestIdsAndCursors:
    @http_settings()
    @given(
        number=st.integers(-(2**70), 2**70),
        path=st.sampled_from(["readings", "alerts", "complaints", "readings/{}/history"]),
    )
    def test_any_record_id(self, ocha: TestClient, number: int, path: str) -> None:
        url = f"/api/v1/{path}".format(number) if "{}" in path else f"/api/v1/{path}/{number}"
        body = assert_answer(ocha.get(url), 200)
        if "errors" in body:
            assert body["errors"][0]["location"] == "path"

    @http_settings()
    @given(
        position=st.integers(2**63 - 2, 2**70) | st.integers(-(2**70), 2**70) | json_values,
        raw=st.booleans(),
    )
    def test_any_cursor(self, hcr: TestClient, position: Any, raw: bool) -> None:
        document = position if raw else {"after": position}
        cursor = base64.urlsafe_b64encode(json.dumps(document).encode()).decode()
        response = hcr.get("/api/v1/readings", params={"cursor": cursor})
        body = assert_answer(response, 200)
        if response.status_code == 422:
            assert body["errors"][0]["field"] == "cursor"


class TestFreeText:
    @http_settings()
    @given(comment=texts, reference=texts, cercle=st.sampled_from(CERCLES))
    def test_free_text_is_kept_as_sent_or_refused_naming_the_field(
        self, hcr: TestClient, session: Session, comment: str, reference: str, cercle: str
    ) -> None:
        row = {"indicator": "1.1.1.1", "period": "2021Q2", "location": cercle, "value": 2}
        row |= {"comment": comment, "external_ref": reference}
        before = stored(session)
        response = hcr.post("/api/v1/readings", json=row)
        body = assert_answer(response, 200, 201)
        if response.status_code >= 400:
            assert stored(session) == before
            fields = {e["field"] for e in body.get("errors", [])}
            assert fields & {"comment", "external_ref"}, body
            return
        read = hcr.get(f"/api/v1/readings/{body['id']}").json()
        assert (read["comment"], read["external_ref"]) == (comment, reference)
