"""How transactions begin on SQLite (a write waits for the write lock, a read never takes it), and
how a request's session and a pooled connection end."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from ehp_api import api
from ehp_api.core import db
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


def test_a_pooled_connection_the_server_closed_is_replaced_before_a_request_uses_it(
    settings: Settings,
) -> None:
    """What `pool_pre_ping` did with a query before every request, a look at the socket does: a
    connection the server ended while it waited in the pool (a restart, `pg_terminate_backend`,
    an idle timeout) is replaced, and one still open is used again as it is."""
    if settings.is_sqlite:
        pytest.skip("a PostgreSQL server's connections")
    engine = build_engine(settings)
    admin = create_engine(settings.database_url, poolclass=NullPool)
    pid_query = text("SELECT pg_backend_pid()")
    try:
        with engine.connect() as connection:
            first = connection.execute(pid_query).scalar()
        with engine.connect() as connection:
            assert connection.execute(pid_query).scalar() == first  # kept: no reconnection
        with admin.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
            gone = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            deadline = time.monotonic() + 10
            while other.execute(gone, {"pid": first}).scalar() and time.monotonic() < deadline:
                time.sleep(0.05)
        with engine.connect() as connection:  # no OperationalError: a new connection
            assert connection.execute(pid_query).scalar() != first
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.parametrize("used", [False, True])
def test_a_request_session_takes_a_turn_of_the_thread_pool_only_to_end_what_it_began(
    sqlite: Engine, monkeypatch: pytest.MonkeyPatch, used: bool
) -> None:
    """A session nothing used (an answer kept in memory, the credentials checked before a body)
    is closed on the event loop; one that ran a statement commits in the thread pool."""
    turns: list[object] = []

    async def counted(func: Callable[..., object], *args: object) -> object:
        turns.append(func)
        return func(*args)

    monkeypatch.setattr(db, "run_in_threadpool", counted)
    state = SimpleNamespace(engine=sqlite, read_engine=deferred(sqlite))
    request = Request(
        {"type": "http", "method": "POST", "app": SimpleNamespace(state=state), "headers": []}
    )

    async def one_request() -> Session:
        sessions = db.get_session(request)
        session = await anext(sessions)
        if used:
            session.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
        with pytest.raises(StopAsyncIteration):
            await anext(sessions)
        return session

    session = asyncio.run(one_request())
    assert len(turns) == (1 if used else 0)
    assert session.get_transaction() is None  # ended either way
    with sqlite.connect() as connection:
        kept = connection.exec_driver_sql("SELECT count(*) FROM notes").scalar()
    assert kept == (1 if used else 0)
