"""Webhook secrets at rest: sealed with EHP_ENCRYPTION_KEY (the keyring of complainants'
identities), shown once when the service makes one and never again, never made without a key;
the migration seals those stored in clear (and its downgrade opens them), and the key rotation
seals them again with a new key."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from ehp_api import seeds
from ehp_api.audit.models import AuditEvent
from ehp_api.core import migrate
from ehp_api.core.config import Settings, get_settings
from ehp_api.core.permissions import Role
from ehp_api.core.sealing import Keyring, Unopenable
from ehp_api.main import create_app
from ehp_api.models import build_engine
from ehp_api.notifications.models import WebhookSubscription
from ehp_api.notifications.webhooks import new_secret
from tests import builders
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.e2e.harness import fresh_database
from tests.records import ehp_api, settings_for

WEBHOOKS = "/api/v1/webhooks"
BODY = {"url": "https://sync.hcr.example/ehp", "event_types": ["complaint.referred"]}
BEFORE_SEALING = "9b4e2d7c1a60"  # the revision before `webhook secrets sealed`


def opened(token: str, key: str = TEST_ENCRYPTION_KEY) -> str:
    return Keyring(SecretStr(key)).open(token).decode()


def test_a_secret_is_stored_sealed_and_never_answered_again(
    hcr: TestClient, session: Session
) -> None:
    made = hcr.post(WEBHOOKS, json=BODY)
    assert made.status_code == 201, made.text
    secret, url = made.json()["secret"], f"{WEBHOOKS}/{made.json()['id']}"
    assert secret.startswith("whsec_")
    own = new_secret()
    given = hcr.post(WEBHOOKS, json={**BODY, "secret": own})
    assert given.status_code == 201, given.text
    assert given.json()["secret"] is None  # the caller's own: never echoed

    tokens = session.exec(text("SELECT secret_token FROM webhook_subscriptions")).all()  # type: ignore[call-overload]
    stored = [token for (token,) in tokens]
    assert sorted(opened(token) for token in stored) == sorted([secret, own])
    assert not any(secret in t or own in t or "whsec_" in t for t in stored)

    answers = [
        hcr.get(url),
        hcr.get(WEBHOOKS),
        hcr.patch(url, json={"description": "Mirror"}),
        hcr.get(f"{WEBHOOKS}/{given.json()['id']}"),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert "secret" not in answer.text
        assert secret not in answer.text
        assert own not in answer.text
    audited = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "webhook")).all()
    assert audited
    assert not any(secret in str(e.changes) or own in str(e.changes) for e in audited)


def test_without_an_encryption_key_no_subscription_is_made(
    settings: Settings, app: FastAPI, session: Session
) -> None:
    keyless = create_app(settings.model_copy(update={"encryption_key": None}))
    keyless.dependency_overrides.update(app.dependency_overrides)  # the test's transaction
    headers = builders.bearer(builders.api_key(session, Role.partner, "HCR"))
    with TestClient(keyless, headers=headers, raise_server_exceptions=False) as client:
        refused = client.post(WEBHOOKS, json=BODY)
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "EHP_ENCRYPTION_KEY" in refused.json()["detail"]
    assert session.exec(select(WebhookSubscription)).all() == []


OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def subscribed(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A database of its own at the latest revision, holding one subscription sealed with OLD;
    (its URL, the subscription's secret)."""
    with fresh_database(tmp_path) as url:
        migrate.upgrade(url)
        engine = build_engine(settings_for(url, OLD))
        with Session(engine) as session, session.begin():
            seeds.load_all(session)
            partner = builders.api_key(session, Role.partner, "HCR")
        engine.dispose()
        with TestClient(create_app(settings_for(url, OLD))) as client:
            made = client.post(WEBHOOKS, json=BODY, headers=builders.bearer(partner))
        assert made.status_code == 201, made.text
        yield url, made.json()["secret"]


def _column(url: str, name: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text(f"SELECT {name} FROM webhook_subscriptions")  # noqa: S608  (a column of ours)
            return list(connection.scalars(query))
    finally:
        engine.dispose()


@pytest.fixture
def key_in_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], None]]:
    """Sets EHP_ENCRYPTION_KEY as an operator does before migrating (the migration reads the
    settings of its environment)."""

    def set_key(key: str | None) -> None:
        if key is None:
            monkeypatch.delenv("EHP_ENCRYPTION_KEY", raising=False)
        else:
            monkeypatch.setenv("EHP_ENCRYPTION_KEY", key)
        get_settings.cache_clear()

    yield set_key
    get_settings.cache_clear()


def test_the_migration_seals_the_secrets_stored_in_clear_and_its_downgrade_opens_them(
    subscribed: tuple[str, str], key_in_environment: Callable[[str | None], None]
) -> None:
    url, secret = subscribed
    key_in_environment(OLD)
    migrate.downgrade(BEFORE_SEALING, url)
    assert _column(url, "secret") == [secret]  # as the earlier schema kept it

    key_in_environment(None)
    with pytest.raises(RuntimeError, match="EHP_ENCRYPTION_KEY is not set"):
        migrate.upgrade(url)
    assert _column(url, "secret") == [secret]  # nothing changed

    key_in_environment(OLD)
    migrate.upgrade(url)
    [token] = _column(url, "secret_token")
    assert secret not in token
    assert opened(token, OLD) == secret


def test_the_key_rotation_seals_webhook_secrets_again(subscribed: tuple[str, str]) -> None:
    url, secret = subscribed
    rotated = ehp_api("rotate-encryption-key", database_url=url, key=f"{NEW},{OLD}")
    assert rotated.returncode == 0, rotated.stderr
    assert "webhook secrets: 1 sealed again, 0 current" in rotated.stdout
    [token] = _column(url, "secret_token")
    assert opened(token, NEW) == secret
    with pytest.raises(Unopenable):  # the old key alone no longer opens it
        opened(token, OLD)
