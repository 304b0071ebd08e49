"""How transactions begin on SQLite: a write waits for the write lock, a read never takes it."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from ehp_api import api
from ehp_api.core.config import Settings
from ehp_api.core.db import deferred, request_writes, writes
from ehp_api.models import build_engine

HOLD_SECONDS = 0.5


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    """A file database of its own (the test database may be PostgreSQL), with a 5 s lock wait."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'locks.db'}", _env_file=None)  # type: ignore[call-arg]
    engine = build_engine(settings)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    yield engine
    engine.dispose()


def hold_write_lock(engine: Engine) -> threading.Thread:
    """A writer that holds the lock for HOLD_SECONDS; returns once it holds it."""
    holding = threading.Event()

    def write() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO notes (body) VALUES ('held')")
            holding.set()
            time.sleep(HOLD_SECONDS)

    writer = threading.Thread(target=write)
    writer.start()
    assert holding.wait(timeout=5)
    return writer


def read_then_write(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM notes").scalar()
        connection.exec_driver_sql("INSERT INTO notes (body) VALUES ('second')")


class TestSqliteTransactions:
    def test_a_write_that_reads_first_waits_for_the_lock_and_succeeds(self, sqlite: Engine) -> None:
        writer = hold_write_lock(sqlite)
        start = time.perf_counter()
        read_then_write(sqlite)
        waited = time.perf_counter() - start
        writer.join()
        assert waited >= HOLD_SECONDS * 0.8
        with sqlite.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 2

    def test_begun_deferred_the_same_write_is_refused_at_once(self, sqlite: Engine) -> None:
        # Why writes begin IMMEDIATE: the lock upgrade of a deferred transaction does not wait.
        writer = hold_write_lock(sqlite)
        start = time.perf_counter()
        with pytest.raises(OperationalError, match="locked"):
            read_then_write(deferred(sqlite))
        refused_after = time.perf_counter() - start
        writer.join()
        assert refused_after < HOLD_SECONDS

    def test_a_read_does_not_wait_for_a_writer(self, sqlite: Engine) -> None:
        writer = hold_write_lock(sqlite)
        start = time.perf_counter()
        with deferred(sqlite).connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 0
        read_in = time.perf_counter() - start
        writer.join()
        assert read_in < HOLD_SECONDS


def request(method: str, endpoint: object, query: bytes = b"") -> Request:
    """A request as routed: FastAPI puts the matched route in the scope."""
    route = SimpleNamespace(endpoint=endpoint)
    return Request({"type": "http", "method": method, "route": route, "query_string": query})


def plain() -> None:
    """A GET that only reads."""


@writes
def on_record() -> None:
    """A GET whose read is put on record."""


class TestWhichRequestsWrite:
    @pytest.mark.parametrize(
        ("method", "endpoint", "expected"),
        [
            ("GET", plain, False),
            ("HEAD", plain, False),
            ("GET", on_record, True),
            ("POST", plain, True),
            ("PATCH", plain, True),
            ("PUT", plain, True),
            ("DELETE", plain, True),
        ],
    )
    def test_only_unmarked_safe_methods_read(
        self, method: str, endpoint: object, expected: bool
    ) -> None:
        assert request_writes(request(method, endpoint)) is expected


def _marked(query: bytes = b"") -> set[str]:
    domain_routers = [r for r in vars(api).values() if isinstance(r, APIRouter)]
    return {
        route.path
        for router in domain_routers
        for route in router.routes
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and request_writes(request("GET", route.endpoint, query))
    }


def test_a_synced_list_holds_the_write_lock_only_when_asked_to_sync() -> None:
    """On SQLite the watermark of a list asked with `updated_since` or `order` waits for no
    writer: such a list holds the write lock (`web.sync`); asked without them it only reads."""
    by_change = {"/readings", "/alerts", "/users", "/api-keys"}
    reference = {
        "/axes", "/objectives", "/activities", "/indicators", "/disaggregations",
        "/organisations", "/locations", "/focus-areas", "/periods",
    }  # fmt: skip
    assert _marked(b"updated_since=2021-01-01T00:00:00Z") - _marked() == by_change | reference
    assert _marked(b"order=changed") - _marked() == by_change
    assert _marked(b"limit=10") == _marked()


def test_the_gets_that_write_are_those_that_put_a_read_on_record() -> None:
    marked = _marked()
    # An alert's narrative read by another organisation is put on record in a transaction of its
    # own (alerts.render.render_one), so that the source organisation's reads take no write lock.
    assert marked == {
        "/complaints",  # a page holding confidential complaints
        "/complaints/{complaint_id}",  # a confidential complaint, an identity
        "/complaints/{complaint_id}/timeline",  # a confidential complaint's steps
        "/complaints/follow-up/{code}",  # every lookup
        "/removals",  # the sync feed: its watermark waits for no writer (web.sync)
    }
