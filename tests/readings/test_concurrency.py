"""Races on PostgreSQL, through the real request path (each request commits its own transaction):
the same natural key from two clients at once, and a batch retried concurrently with one key."""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from ehp_api.access.models import ApiKey
from ehp_api.access.permissions import Role
from ehp_api.config import Settings
from ehp_api.main import create_app
from ehp_api.readings.models import Reading
from tests import builders

PERIOD = "2022Q3"


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[tuple[FastAPI, str]]:
    """An app with no test transaction around it, and a committed partner key; cleaned up after."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")
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
    app.state.engine.dispose()


def run_together(n: int, call: Callable[[TestClient], Any], app: FastAPI, secret: str) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        with TestClient(app, headers=builders.bearer(secret)) as client:
            barrier.wait()
            results[i] = call(client)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def readings_of(engine: Engine) -> list[Reading]:
    with Session(engine) as session:
        return list(session.scalars(select(Reading).where(Reading.created_by.like("ehpk_%"))))  # type: ignore[attr-defined]


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
    [reading] = readings_of(engine)
    assert reading.numerator in range(50)


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
