"""Races on PostgreSQL through the real request path: fifty secretariat clients moving the same
alert at once, each request in its own session and transaction."""

import itertools
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func
from sqlmodel import Session, select

from ehp_api.access.models import ApiKey
from ehp_api.alerts.models import Alert, AlertEvent
from ehp_api.audit.models import AuditEvent
from ehp_api.core.config import Settings
from ehp_api.core.errors import PROBLEM_MEDIA_TYPE
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.web.idempotency_keys import IdempotencyKey
from tests import builders
from tests.alerts.conftest import alert_body
from tests.helpers import erase_committed_audit, last_audit_id, run_together

# From `acknowledged` an EWRR alert goes to `activated` or `not_activated`, then to `closed`:
# of the racers at most one of the first two can win, and `closed` only after it.
RACERS = [
    {"to": "activated", "response_type": "patrol"},
    {"to": "not_activated", "reason": "no capacity"},
    {"to": "closed", "outcome": "handled"},
]


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[tuple[FastAPI, str, int]]:
    """An app with no test transaction around it, a committed EWRR alert at `acknowledged` and a
    committed secretariat key; everything removed after."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent transitions are a PostgreSQL matter; SQLite serialises them")
    audit_mark = last_audit_id(engine)
    with Session(engine) as session, session.begin():
        key_mark = session.exec(select(func.coalesce(func.max(ApiKey.id), 0))).one()
        partner = builders.api_key(session, Role.partner, "UNFPA")
        secretariat = builders.api_key(session, Role.secretariat, "OCHA")
    app = create_app(settings.model_copy(update={"max_in_flight": 50}))  # 50 at once, none shed
    with TestClient(app) as client:
        owner, ocha = builders.bearer(partner), builders.bearer(secretariat)
        body = alert_body(external_ref="race-1")
        alert_id = client.post("/api/v1/alerts", json=body, headers=owner).json()["id"]
        for to, headers in (("shared", owner), ("acknowledged", ocha)):
            url = f"/api/v1/alerts/{alert_id}/transitions"
            response = client.post(url, json={"to": to, "on": "2021-05-04"}, headers=headers)
            assert response.status_code == 200, response.text
    yield app, secretariat, alert_id
    with Session(engine) as session, session.begin():
        # The alert's events and trigger verdicts go with it (ON DELETE CASCADE).
        session.execute(delete(Alert).where(Alert.id == alert_id))  # type: ignore[arg-type]
        session.execute(delete(ApiKey).where(ApiKey.id > key_mark))  # type: ignore[arg-type]
    erase_committed_audit(engine, audit_mark)
    app.state.engine.dispose()


def test_fifty_transitions_of_one_alert_are_won_once_and_lost_with_409(
    live: tuple[FastAPI, str, int], engine: Engine
) -> None:
    app, secret, alert_id = live
    racers = itertools.cycle(RACERS)
    lock = threading.Lock()

    def move(client: TestClient) -> tuple[str, Any]:
        with lock:
            step = next(racers)
        body = {**step, "on": "2021-05-06"}
        return step["to"], client.post(f"/api/v1/alerts/{alert_id}/transitions", json=body)

    results = run_together(50, move, app, secret)
    statuses = sorted({r.status_code for _, r in results})
    assert statuses == [200, 409], statuses
    lost = [r for _, r in results if r.status_code == 409]
    assert all(r.headers["content-type"] == PROBLEM_MEDIA_TYPE for r in lost)
    assert all(r.json()["type"] == "/problems/conflict" for r in lost)
    won = [(to, r.json()) for to, r in results if r.status_code == 200]
    assert won
    with Session(engine) as session:
        alert = session.get(Alert, alert_id)
        events = session.exec(
            select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)  # type: ignore[arg-type]
        ).all()
        audited = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "alert.transition", AuditEvent.entity_id == str(alert_id)
            )
        ).all()
    steps = [e.to_status for e in events]
    assert steps[:3] == ["draft", "shared", "acknowledged"]
    acknowledged = sorted(to for to, _ in won)
    assert sorted(steps[3:]) == acknowledged
    assert steps[3] in ("activated", "not_activated")
    assert steps[3:] in ([steps[3]], [steps[3], "closed"])
    assert [e.from_status for e in events[3:]] == steps[2:-1]
    assert alert is not None
    assert alert.status == steps[-1]
    assert len(audited) == 2 + len(won)


@pytest.fixture
def partner_app(settings: Settings, engine: Engine) -> Iterator[tuple[FastAPI, str]]:
    """An app with no test transaction around it and a committed partner key; what the test
    commits (alerts, keys, idempotency keys, audit events) is removed after."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent retries are a PostgreSQL matter; SQLite serialises them")
    audit_mark = last_audit_id(engine)
    with Session(engine) as session, session.begin():
        key_mark = session.exec(select(func.coalesce(func.max(ApiKey.id), 0))).one()
        alert_mark = session.exec(select(func.coalesce(func.max(Alert.id), 0))).one()
        partner = builders.api_key(session, Role.partner, "UNFPA")
    app = create_app(settings.model_copy(update={"max_in_flight": 50}))
    yield app, partner
    with Session(engine) as session, session.begin():
        session.execute(delete(Alert).where(Alert.id > alert_mark))  # type: ignore[arg-type]
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.key == "unfpa-alert-1"))  # type: ignore[arg-type]
        session.execute(delete(ApiKey).where(ApiKey.id > key_mark))  # type: ignore[arg-type]
    erase_committed_audit(engine, audit_mark)
    app.state.engine.dispose()


def test_an_alert_retried_concurrently_with_one_key_is_stored_once(
    partner_app: tuple[FastAPI, str], engine: Engine
) -> None:
    app, secret = partner_app
    body = alert_body(external_ref="retried-concurrently")

    def post(client: TestClient) -> Any:
        headers = {"Idempotency-Key": "unfpa-alert-1"}
        return client.post("/api/v1/alerts", json=body, headers=headers)

    responses = run_together(8, post, app, secret)
    fresh = [r for r in responses if "Idempotent-Replayed" not in r.headers]
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    # One runs; the others wait for it and replay its answer, or are told it is still running.
    [created] = [r for r in fresh if r.status_code == 201]
    assert all(r.status_code == 409 for r in fresh if r is not created)
    assert replayed
    assert all((r.status_code, r.json()) == (201, created.json()) for r in replayed)
    with Session(engine) as session:
        stored = session.exec(
            select(Alert.id).where(Alert.external_ref == "retried-concurrently")
        ).all()
    assert stored == [created.json()["id"]]


def test_a_refused_request_keeps_no_key_so_its_corrected_retry_runs(
    partner_app: tuple[FastAPI, str],
) -> None:
    app, secret = partner_app
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "unfpa-alert-1"}
    with TestClient(app, headers=headers) as client:
        refused = client.post("/api/v1/alerts", json=alert_body(location="ML9999"))
        assert refused.status_code == 422, refused.text
        # Not "already used with a different request": the refusal's transaction took the key away.
        corrected = client.post("/api/v1/alerts", json=alert_body(external_ref="corrected"))
    assert corrected.status_code == 201, corrected.text
    assert "Idempotent-Replayed" not in corrected.headers
