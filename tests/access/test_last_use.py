"""An API key's last use: written after the response, at most once a minute, never an error."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from ehp_api.access import last_use
from ehp_api.access.credentials import hash_secret
from ehp_api.access.models import ApiKey
from ehp_api.core.db import utcnow
from ehp_api.core.permissions import Role
from tests import builders


def key_of(session: Session, secret: str) -> ApiKey:
    return session.exec(select(ApiKey).where(ApiKey.secret_hash == hash_secret(secret))).one()


class TestKeyUses:
    def test_a_key_is_due_once_a_minute(self, monkeypatch: pytest.MonkeyPatch) -> None:
        clock = [1000.0]
        monkeypatch.setattr(last_use.time, "monotonic", lambda: clock[0])
        uses = last_use.KeyUses()
        assert [uses.due(1), uses.due(1), uses.due(2)] == [True, False, True]
        clock[0] += last_use.RESOLUTION_SECONDS - 1
        assert uses.due(1) is False
        clock[0] += 1
        assert uses.due(1) is True


class TestRecord:
    def test_sets_last_used_at(self, session: Session) -> None:
        key = key_of(session, builders.api_key(session, Role.analyst, "OCHA"))
        session.commit()  # as after a request: the use is written in a transaction of its own
        last_use.record(lambda: nullcontext(session), key.id or 0)
        session.refresh(key)
        assert key.last_used_at is not None
        assert utcnow() - key.last_used_at < timedelta(seconds=5)

    def test_a_use_written_within_the_minute_is_kept(self, session: Session) -> None:
        # Several worker processes each write at most once a minute: the first one wins.
        key = key_of(session, builders.api_key(session, Role.analyst, "OCHA"))
        earlier = utcnow() - timedelta(seconds=30)
        key.last_used_at = earlier
        session.commit()
        last_use.record(lambda: nullcontext(session), key.id or 0)
        session.refresh(key)
        assert key.last_used_at == earlier

    def test_a_failure_is_logged_not_raised(self, caplog: pytest.LogCaptureFixture) -> None:
        @contextmanager
        def busy() -> Iterator[Session]:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
            yield  # pragma: no cover

        with caplog.at_level(logging.INFO, logger="ehp_api.access.last_use"):
            last_use.record(busy, 7)
        assert "last use of API key 7 not recorded: OperationalError" in caplog.text


def test_a_request_records_the_keys_use(session: Session, anon_client: TestClient) -> None:
    secret = builders.api_key(session, Role.analyst, "OCHA")
    assert anon_client.get("/api/v1/me", headers=builders.bearer(secret)).status_code == 200
    assert key_of(session, secret).last_used_at is not None
