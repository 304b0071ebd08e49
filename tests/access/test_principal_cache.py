"""A worker remembers whom a secret stands for (EHP_AUTH_CACHE_SECONDS), within its bound."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from sqlmodel import Session

from ehp_api.access.models import ApiKey
from ehp_api.core.db import utcnow
from ehp_api.core.permissions import Role
from tests import builders


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements run on the test's connection meanwhile (the app's requests run on it)."""
    seen: list[str] = []
    connection = session.connection()

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def revoke_behind_the_apps_back(session: Session, secret: str) -> None:
    """As `ehp-api` or another worker would: the row changes, this process is not told."""
    prefix = secret[: len("ehpk_") + 8]
    session.execute(update(ApiKey).where(ApiKey.prefix == prefix).values(revoked_at=utcnow()))  # type: ignore[arg-type]
    session.flush()


def test_a_remembered_key_costs_no_database_statement(app: FastAPI, session: Session) -> None:
    secret = builders.api_key(session, Role.analyst, "OCHA")
    with TestClient(app, headers=builders.bearer(secret)) as client:
        assert client.get("/api/v1/me").status_code == 200
        with statements(session) as seen:
            assert client.get("/api/v1/me").json()["organisation"] == "OCHA"
    # The test's transaction releases a savepoint per request (tests/conftest.py); nothing else.
    assert [s for s in seen if "SAVEPOINT" not in s] == []


def test_a_key_revoked_through_the_api_stops_at_once(app: FastAPI, session: Session) -> None:
    secret = builders.api_key(session, Role.partner, "HCR")
    admin = builders.api_key(session, Role.admin, "OCHA")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/me", headers=builders.bearer(secret)).status_code == 200
        key_id = client.get("/api/v1/me", headers=builders.bearer(secret)).json()["id"]
        revoked = client.post(f"/api/v1/api-keys/{key_id}/revoke", headers=builders.bearer(admin))
        assert revoked.status_code == 200
        assert client.get("/api/v1/me", headers=builders.bearer(secret)).status_code == 401


def test_a_deactivated_users_token_stops_at_once(app: FastAPI, session: Session) -> None:
    user = builders.user(session, "gone@ocha.example", Role.analyst, "OCHA")
    admin = builders.api_key(session, Role.admin, "OCHA")
    with TestClient(app, raise_server_exceptions=False) as client:
        login = {"username": "gone@ocha.example", "password": "a long enough password"}
        token = client.post("/api/v1/auth/token", data=login).json()["access_token"]
        assert client.get("/api/v1/me", headers=builders.bearer(token)).status_code == 200
        off = client.patch(
            f"/api/v1/users/{user.id}", json={"is_active": False}, headers=builders.bearer(admin)
        )
        assert off.status_code == 200, off.text
        assert client.get("/api/v1/me", headers=builders.bearer(token)).status_code == 401


def test_a_role_changed_through_the_api_applies_at_once(app: FastAPI, session: Session) -> None:
    user = builders.user(session, "moved@ocha.example", Role.analyst, "OCHA")
    admin = builders.api_key(session, Role.admin, "OCHA")
    with TestClient(app, raise_server_exceptions=False) as client:
        login = {"username": "moved@ocha.example", "password": "a long enough password"}
        token = client.post("/api/v1/auth/token", data=login).json()["access_token"]
        assert client.get("/api/v1/me", headers=builders.bearer(token)).json()["role"] == "analyst"
        client.patch(
            f"/api/v1/users/{user.id}", json={"role": "secretariat"}, headers=builders.bearer(admin)
        )
        me = client.get("/api/v1/me", headers=builders.bearer(token)).json()
        assert me["role"] == "secretariat"


def test_a_key_revoked_elsewhere_works_at_most_the_bound(session: Session, app: FastAPI) -> None:
    app.state.authenticator.principals.__init__(0.5)  # the bound, made short for the test
    secret = builders.api_key(session, Role.partner, "HCR")
    with TestClient(app, raise_server_exceptions=False, headers=builders.bearer(secret)) as client:
        assert client.get("/api/v1/me").status_code == 200
        revoke_behind_the_apps_back(session, secret)
        assert client.get("/api/v1/me").status_code == 200  # remembered, within the bound
        time.sleep(0.6)
        assert client.get("/api/v1/me").status_code == 401


def test_with_the_cache_off_a_key_revoked_elsewhere_stops_at_once(
    session: Session, app: FastAPI
) -> None:
    app.state.authenticator.principals.__init__(0)
    secret = builders.api_key(session, Role.partner, "HCR")
    with TestClient(app, raise_server_exceptions=False, headers=builders.bearer(secret)) as client:
        assert client.get("/api/v1/me").status_code == 200
        revoke_behind_the_apps_back(session, secret)
        assert client.get("/api/v1/me").status_code == 401


def test_a_remembered_key_is_not_used_past_its_expiry(session: Session, app: FastAPI) -> None:
    secret = builders.api_key(session, Role.partner, "HCR")
    prefix = secret[: len("ehpk_") + 8]
    # Five seconds ahead: a loaded machine took more than one to start the app before the first
    # request, and the key had expired before it could be remembered.
    expires = utcnow() + timedelta(seconds=5)
    session.execute(update(ApiKey).where(ApiKey.prefix == prefix).values(expires_at=expires))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False, headers=builders.bearer(secret)) as client:
        assert utcnow() < expires
        assert client.get("/api/v1/me").status_code == 200  # remembered for 10 s...
        time.sleep((expires - utcnow()).total_seconds() + 0.2)
        assert client.get("/api/v1/me").status_code == 401  # ...but not past its expiry
