"""Fuzzing fixtures: one app for the whole run, whose requests use the current test's session.

The test session (tests/conftest.py) is a transaction rolled back when the test ends; pointing the
app's session dependencies at it keeps whatever the fuzzer writes out of every other test.
"""

from collections.abc import Iterator
from contextlib import nullcontext

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from ehp_api.core.config import Settings
from ehp_api.core.db import get_session, get_session_factory, get_write_session_factory
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from tests import builders

# Each role with the organisation it acts for; "anonymous" sends no credentials.
CREDENTIALS: dict[str, tuple[Role, str] | None] = {
    "admin": (Role.admin, "OCHA"),
    "secretariat": (Role.secretariat, "OCHA"),
    "partner": (Role.partner, "HCR"),
    "analyst": (Role.analyst, "OCHA"),
    "psea_focal_point": (Role.psea_focal_point, "UNFPA"),
    "anonymous": None,
}


@pytest.fixture(scope="session")
def fuzz_app(settings: Settings) -> FastAPI:
    """Built once: schemathesis starts an app's lifespan once and keeps it for the process."""
    return create_app(settings)


@pytest.fixture
def app(fuzz_app: FastAPI, session: Session) -> Iterator[FastAPI]:
    def _test_session() -> Iterator[Session]:
        yield session
        session.commit()

    fuzz_app.dependency_overrides[get_session] = _test_session
    # Streamed exports open sessions of their own; here they use the test's too.
    fuzz_app.dependency_overrides[get_session_factory] = lambda: lambda: nullcontext(session)
    fuzz_app.dependency_overrides[get_write_session_factory] = lambda: lambda: nullcontext(session)
    yield fuzz_app
    fuzz_app.dependency_overrides.clear()


@pytest.fixture
def headers_by_role(session: Session) -> dict[str, dict[str, str]]:
    """Authorization headers of a new API key per role (in the test's transaction)."""
    return {
        name: builders.bearer(builders.api_key(session, *credentials)) if credentials else {}
        for name, credentials in CREDENTIALS.items()
    }
