"""Dates and timestamps anywhere in Python's calendar, with any offset, in bodies and filters;
NUL characters in JSON of any Unicode encoding: stored within the bounds, otherwise a 4xx
problem naming the field; never a 500, never a write."""

import json
from datetime import UTC, date, datetime, timedelta, timezone

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from ehp_api.alerts.models import Alert
from ehp_api.complaints.models import Complaint
from ehp_api.core.db import EARLIEST_DAY, LATEST_DAY
from tests.alerts.conftest import alert_body
from tests.properties.checks import assert_answer, http_settings

# Every day Python has, the edges and the bounds' neighbours most of all.
days = st.dates() | st.sampled_from(
    [
        date.min,
        date.max,
        EARLIEST_DAY,
        LATEST_DAY,
        EARLIEST_DAY - timedelta(days=1),
        LATEST_DAY + timedelta(days=1),
    ]
)
# Offsets up to a minute short of a day either way: the widest ISO 8601 and pydantic accept.
offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.builds(
    lambda day, seconds, zone: (
        datetime.combine(day, datetime.min.time(), zone) + timedelta(seconds=seconds)
    ),
    days.filter(lambda d: d < date.max),
    st.integers(0, 86_399),
    offsets | st.just(UTC),
)
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


def within(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def names(body: dict, field: str) -> bool:  # type: ignore[type-arg]
    return any(error["field"] == field for error in body.get("errors", []))


class TestDatesInBodies:
    @http_settings()
    @given(occurred=days, reported=days)
    def test_an_alert_dated_anywhere(
        self, hcr: TestClient, session: Session, occurred: date, reported: date
    ) -> None:
        before = count(session, Alert)
        body = alert_body(occurred_on=occurred.isoformat(), reported_on=reported.isoformat())
        response = hcr.post("/api/v1/alerts", json=body)
        answer = assert_answer(response, 201)
        if not within(occurred) or not within(reported):
            assert response.status_code == 422
            field = "occurred_on" if not within(occurred) else "reported_on"
            assert names(answer, field), answer
        if response.status_code != 201:
            assert count(session, Alert) == before

    @http_settings()
    @given(received=days)
    def test_a_complaint_received_any_day(
        self, hcr: TestClient, session: Session, received: date
    ) -> None:
        before = count(session, Complaint)
        complaint = {
            "channel": "hotline",
            "category": "feedback",
            "received_on": received.isoformat(),
            "description": "date property",
        }
        response = hcr.post("/api/v1/complaints", json=complaint)
        answer = assert_answer(response, 201)
        if not within(received):
            assert response.status_code == 422
            assert names(answer, "received_on"), answer
        if response.status_code != 201:
            assert count(session, Complaint) == before


class TestTimestampsInFilters:
    @http_settings()
    @given(since=instants)
    def test_readings_changed_since_any_instant(self, hcr: TestClient, since: datetime) -> None:
        response = hcr.get("/api/v1/readings", params={"updated_since": since.isoformat()})
        answer = assert_answer(response, 200)
        if not within(since.date()):
            assert response.status_code == 422
            assert names(answer, "updated_since"), answer

    @http_settings()
    @given(since=instants, until=instants)
    def test_the_audit_log_between_any_instants(
        self, ocha: TestClient, since: datetime, until: datetime
    ) -> None:
        params = {"since": since.isoformat(), "until": until.isoformat()}
        response = ocha.get("/api/v1/audit-events", params=params)
        answer = assert_answer(response, 200, 403)
        if response.status_code != 403 and not (within(since.date()) and within(until.date())):
            assert response.status_code == 422, answer


class TestJsonEncodings:
    @http_settings()
    @given(
        encoding=st.sampled_from(ENCODINGS),
        before=st.text(max_size=10),
        after=st.text(max_size=10),
    )
    def test_a_nul_in_json_of_any_encoding_is_refused(
        self, hcr: TestClient, session: Session, encoding: str, before: str, after: str
    ) -> None:
        stored = count(session, Complaint)
        complaint = {
            "channel": "hotline",
            "category": "feedback",
            "received_on": "2021-06-10",
            "description": f"{before}\x00{after}",
        }
        try:
            body = json.dumps(complaint).encode(encoding)
        except UnicodeEncodeError:  # a lone surrogate: no client can send it
            return
        response = hcr.post(
            "/api/v1/complaints", content=body, headers={"Content-Type": "application/json"}
        )
        assert_answer(response)
        assert response.status_code in (415, 422), response.text
        assert count(session, Complaint) == stored
