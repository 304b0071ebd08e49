"""Test database: migrated once per run, seeded once, and each test in a rolled-back transaction.

SQLite by default; PostgreSQL when EHP_TEST_DATABASE_URL points at one (its schema is reset).
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from ehp_api import seeds
from ehp_api.core import migrate
from ehp_api.core.config import Settings
from ehp_api.core.db import deferred, get_session, get_write_session_factory
from ehp_api.core.permissions import Role
from ehp_api.main import create_app, keep_state
from ehp_api.models import build_engine
from tests import builders

# The service answers in French unless asked otherwise (EHP_DEFAULT_LANGUAGE, docs/operations.md);
# the suite's assertions read the English texts, so its apps and servers (tests/e2e inherits the
# environment) default to English. French is asked per request by the tests that prove it
# (tests/test_i18n.py), and the product's own default is checked there too.
os.environ["EHP_DEFAULT_LANGUAGE"] = "en"
# The command line reads the locale first (LC_ALL, LC_MESSAGES, LANG: docs/operations.md); one that
# names no language leaves EHP_DEFAULT_LANGUAGE, whatever the developer's own locale is.
os.environ.pop("LC_ALL", None)
os.environ["LC_MESSAGES"] = "C.UTF-8"

# A key for tests only; real deployments set EHP_ENCRYPTION_KEY.
TEST_ENCRYPTION_KEY = "vsa2x3abYBJsPheFstw-8FXHkGpQSBD3K2Ww3A7vwNA="


def _test_database_url() -> str:
    url = os.environ.get("EHP_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix='ehp-test-')) / 'test.db'}"


def reset_postgres_schema(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Login limits in memory: the database storage is proven in test_ratelimit.py, and on SQLite
    # its separate transaction would wait on the test's own open write transaction.
    return Settings(
        database_url=_test_database_url(),
        environment="test",
        rate_limit_storage="memory://",
        encryption_key=TEST_ENCRYPTION_KEY,
        # Dashboards recomputed after every write, so that tests see their own writes at once.
        dashboard_max_age_seconds=0,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = build_engine(settings)
    if engine.dialect.name == "postgresql":
        reset_postgres_schema(engine)
    migrate.upgrade(settings.database_url)
    with Session(engine) as session, session.begin():
        seeds.load_all(session)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work, commits included, is rolled back when the test ends."""
    # Begun DEFERRED, as a test writes only when it needs to: on SQLite an IMMEDIATE one would
    # hold the write lock throughout, and a test's own second transaction (the database rate
    # limiter's) would wait for it.
    connection = deferred(engine).connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def shared_app(settings: Settings) -> FastAPI:
    """One app for the run: building its 116 routes costs a third of a second, once a test."""
    return create_app(settings)


def on_test_session(application: FastAPI, session: Session) -> FastAPI:
    """`application`, its requests' sessions the test's (rolled back when the test ends)."""

    def _test_session() -> Iterator[Session]:
        yield session
        session.commit()

    application.dependency_overrides[get_session] = _test_session
    # Writes after the response (an API key's last use) go into the test's transaction too.
    application.dependency_overrides[get_write_session_factory] = lambda: (
        lambda: nullcontext(session)
    )
    return application


@pytest.fixture
def app(shared_app: FastAPI, settings: Settings, session: Session) -> Iterator[FastAPI]:
    """The run's app as new: the state a test may leave (caches, counters, settings a test
    replaced, routes it added) is set anew, and its sessions are the test's. Its middleware is
    built by the run's first request: a test that needs other middleware settings builds an app
    of its own (`on_test_session(create_app(...), session)`)."""
    routes = list(shared_app.router.routes)
    keep_state(shared_app, settings)
    yield on_test_session(shared_app, session)
    shared_app.dependency_overrides.clear()
    if shared_app.router.routes != routes:
        shared_app.router.routes[:] = routes
        shared_app.openapi_schema = None


@pytest.fixture
def anon_client(app: FastAPI) -> Iterator[TestClient]:
    """A client that sends no credentials."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def client_as(app: FastAPI, session: Session) -> Iterator[Callable[..., TestClient]]:
    """`client_as(Role.partner, org="HCR")`: a client holding a new API key of that role."""
    clients: list[TestClient] = []

    def make(role: Role, org: str = "HCR") -> TestClient:
        test_client = TestClient(
            app,
            raise_server_exceptions=False,
            headers=builders.bearer(builders.api_key(session, role, org)),
        )
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()


@pytest.fixture
def client(client_as: Callable[..., TestClient]) -> TestClient:
    """A read-only analyst: enough for the work plan's read API."""
    return client_as(Role.analyst, "OCHA")


@pytest.fixture
def hcr(client_as: Callable[..., TestClient]) -> TestClient:
    """A partner (UNHCR) that posts readings, alerts and complaints."""
    return client_as(Role.partner, "HCR")


@pytest.fixture
def unicef(client_as: Callable[..., TestClient]) -> TestClient:
    """Another partner: what HCR records is not its business."""
    return client_as(Role.partner, "UNICEF")


@pytest.fixture
def ocha(client_as: Callable[..., TestClient]) -> TestClient:
    """The EHP secretariat."""
    return client_as(Role.secretariat, "OCHA")


@pytest.fixture
def analyst(client_as: Callable[..., TestClient]) -> TestClient:
    return client_as(Role.analyst, "OCHA")
