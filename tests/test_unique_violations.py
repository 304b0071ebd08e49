"""A write that collides with a unique key (two requests creating the same record) is a 409
problem naming the key's fields, on SQLite and PostgreSQL alike, and never shows the key's values.
The concurrent creations themselves are raced from outside in `tests/e2e/test_races.py`."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, select

from ehp_api.activity_status.models import ActivityState, ActivityStatus
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period
from ehp_api.workplan.models import Activity

PROBLEM = "application/problem+json"


def _writing(app: FastAPI, session: Session, make: Callable[[], list[SQLModel]]) -> TestClient:
    """A route that adds the rows `make` returns, one after the other, as a service would."""

    @app.post("/duplicate")
    def duplicate() -> None:
        with session.begin_nested():  # the test's own transaction survives the failed write
            for row in make():
                session.add(row)
                session.flush()

    return TestClient(app, raise_server_exceptions=False)


def _status(session: Session, activity_id: int = 0) -> ActivityStatus:
    activity = session.exec(select(Activity).where(Activity.code == "1.1.2")).one()
    period = session.exec(select(Period).where(Period.code == "2021Q2")).one()
    organisation = session.exec(select(Organisation).where(Organisation.code == "HCR")).one()
    return ActivityStatus(
        activity_id=activity_id or activity.id or 0,
        period_id=period.id or 0,
        organisation_id=organisation.id or 0,
        status=ActivityState.on_track,
        reported_by="test",
    )


def _organisation(session: Session) -> Organisation:
    hcr = session.exec(select(Organisation).where(Organisation.code == "HCR")).one()
    return Organisation(**hcr.model_dump(exclude={"id"}))


@pytest.mark.parametrize(
    ("rows", "fields"),
    [
        (lambda s: [_organisation(s)], ["code"]),
        (lambda s: [_status(s), _status(s)], ["activity", "period", "organisation"]),
    ],
    ids=["one-column key", "three-column key"],
)
def test_a_taken_unique_key_is_a_409_naming_its_fields(
    app: FastAPI, session: Session, rows: Callable[[Session], list[SQLModel]], fields: list[str]
) -> None:
    with _writing(app, session, lambda: rows(session)) as client:
        response = client.post("/duplicate")
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == "/problems/conflict"
    assert [e["field"] for e in body["errors"]] == fields
    assert {e["code"] for e in body["errors"]} == {"already_exists"}
    assert "HCR" not in response.text  # the key's values stay out of the answer


def test_another_integrity_error_stays_a_500(app: FastAPI, session: Session) -> None:
    with _writing(app, session, lambda: [_status(session, activity_id=2**31 - 1)]) as client:
        response = client.post("/duplicate")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM


def test_a_trigger_rule_created_twice_is_a_409_naming_its_code(ocha: TestClient) -> None:
    body = {"code": "twice", "kind": "severity", "description": "x", "min_severity": 4}
    assert ocha.post("/api/v1/trigger-rules", json=body).status_code == 201
    again = ocha.post("/api/v1/trigger-rules", json=body)
    assert again.status_code == 409
    assert [e["field"] for e in again.json()["errors"]] == ["code"]
