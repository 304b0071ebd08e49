"""Races on PostgreSQL, through the real request path (each request commits its own transaction):
the same natural key from two clients at once, and a batch retried concurrently with one key."""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from ehp_api.access.models import ApiKey
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.readings.models import Reading, ReadingHistory
from tests import builders
from tests.helpers import erase_committed_audit, last_audit_id, run_together

PERIOD = "2022Q3"


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[tuple[FastAPI, str]]:
    """An app with no test transaction around it, and a committed partner key; cleaned up after."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")
    audit_mark = last_audit_id(engine)
    with Session(engine) as session, session.begin():
        secret = builders.api_key(session, Role.partner, "UNFPA")
    # Fifty writers in flight at once, as before the in-flight limit (20 by default would refuse
    # thirty with a 503): the race is the subject here. Past the pool (25) they wait for a
    # connection, which cannot stall: each TestClient has its own event loop and threads.
    app = create_app(settings.model_copy(update={"max_in_flight": 50}))
    yield app, secret
    with Session(engine) as session, session.begin():
        session.execute(delete(Reading).where(Reading.created_by.like("ehpk_%")))  # type: ignore[attr-defined]
        session.execute(delete(ApiKey).where(ApiKey.organisation.has(code="UNFPA")))  # type: ignore[attr-defined]
    erase_committed_audit(engine, audit_mark)
    app.state.engine.dispose()


def readings_of(engine: Engine) -> list[Reading]:
    with Session(engine) as session:
        return list(session.scalars(select(Reading).where(Reading.created_by.like("ehpk_%"))))  # type: ignore[attr-defined]


def history_of(engine: Engine, reading_id: int) -> list[ReadingHistory]:
    with Session(engine) as session:
        stmt = select(ReadingHistory).where(ReadingHistory.reading_id == reading_id)
        return list(session.scalars(stmt.order_by(ReadingHistory.id)))  # type: ignore[arg-type]


def test_two_clients_posting_the_same_key_give_one_reading(
    live: tuple[FastAPI, str], engine: Engine
) -> None:
    app, secret = live
    body = {"indicator": "1.1.1.2", "period": PERIOD, "location": "ML0506", "value": 3}
    responses = run_together(2, lambda c: c.post("/api/v1/readings", json=body), app, secret)
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert len(readings_of(engine)) == 1


def test_fifty_writers_to_one_key_leave_one_consistent_reading(
    live: tuple[FastAPI, str], engine: Engine
) -> None:
    """No race is lost (posting a key again updates it), so every writer gets a 2xx; the stored
    value is the last acknowledged one and the history chains every acknowledged change."""
    app, secret = live
    counter = iter(range(1000))
    lock = threading.Lock()

    def post(client: TestClient) -> Any:
        with lock:
            value = next(counter)
        body = {"indicator": "1.1.1.2", "period": PERIOD, "location": "ML0506", "value": value}
        return client.post("/api/v1/readings", json=body)

    responses = run_together(50, post, app, secret)
    assert all(r.status_code in (200, 201) for r in responses), {r.status_code for r in responses}
    outcomes = sorted((r.status_code, r.json()["outcome"]) for r in responses)
    assert outcomes == [(200, "updated")] * 49 + [(201, "created")]
    [reading] = readings_of(engine)
    [first] = [r.json()["value"] for r in responses if r.status_code == 201]
    changes = history_of(engine, reading.id or 0)
    chain = [first] + [h.new_numerator for h in changes]
    assert [h.old_numerator for h in changes] == chain[:-1]
    assert sorted(chain) == list(range(50))
    assert reading.numerator == chain[-1]


def test_a_batch_retried_concurrently_with_one_key_is_stored_once(
    live: tuple[FastAPI, str], engine: Engine
) -> None:
    app, secret = live
    rows = [
        {"indicator": "1.1.1.2", "period": PERIOD, "location": p, "value": 1}
        for p in ("ML0501", "ML0502", "ML0503", "ML0504")
    ]

    def post(client: TestClient) -> Any:
        return client.post(
            "/api/v1/readings/batch",
            json={"readings": rows},
            headers={"Idempotency-Key": "unfpa-retry-1"},
        )

    responses = run_together(8, post, app, secret)
    assert {r.status_code for r in responses} == {200}
    assert all(r.json()["created"] == 4 for r in responses)
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
    assert len(readings_of(engine)) == 4
