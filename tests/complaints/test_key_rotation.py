"""Key rotation: EHP_ENCRYPTION_KEY lists the new key first and the old one after it;
`ehp-api rotate-encryption-key`, killed after its first batch and run again, leaves every
identity (and every kept answer) sealed with the new key, so the old one can go.

On the test database's kind: a SQLite file, or PostgreSQL when EHP_TEST_DATABASE_URL names one.
"""

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, select

from ehp_api.audit.models import AuditEvent
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.models import Complaint
from ehp_api.core.errors import ServiceUnavailable
from ehp_api.main import create_app
from ehp_api.web.idempotency_keys import IdempotencyKey, Storage
from tests import builders
from tests.e2e.harness import fresh_database
from tests.records import ehp_api, fill, identities, settings_for

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
COMPLAINTS = 5  # and the one of the kept answer: six identities, three batches of two

# The command as it runs, killed (SIGKILL: no cleanup, no rollback but the database's own) as
# soon as it has reported its first batch, the second one not begun.
KILLED_AFTER_FIRST_BATCH = """
import os, signal, typer
from ehp_api.cli import app
echo = typer.echo
def echo_then_die(message=None, *args, **kwargs):
    echo(message, *args, **kwargs)
    if "sealed again" in str(message):
        os.kill(os.getpid(), signal.SIGKILL)
typer.echo = echo_then_die
"""


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def tokens(database_url: str) -> list[str]:
    """Every token sealed with an identity key: identities, then kept answers."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            sealed = list(
                connection.scalars(
                    select(Complaint.identity_token)
                    .where(Complaint.identity_token.is_not(None))
                    .order_by(Complaint.id)
                )
            )
            kept = select(IdempotencyKey.response_body).where(
                IdempotencyKey.response_storage == Storage.sealed
            )
            return sealed + list(connection.scalars(kept))
    finally:
        engine.dispose()


def opens(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotation_events(database_url: str) -> list[tuple[str, str | None, str]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.changes)
                .where(AuditEvent.action.startswith("identity_key."))
                .order_by(AuditEvent.id)
            ).all()
    finally:
        engine.dispose()
    return [(action, entity, str(changes)) for action, entity, changes in rows]


def test_the_first_key_seals_and_every_key_opens() -> None:
    cipher = IdentityCipher(SecretStr(f"{NEW},{OLD}"))
    person = {"name": "Aminata Diallo", "phone": "+223 70 00 00 00"}
    sealed = cipher.seal(person)
    assert (opens(NEW, sealed), opens(OLD, sealed)) == (True, False)
    from_before = IdentityCipher(SecretStr(OLD)).seal(person)
    assert cipher.open(from_before) == person
    assert not cipher.sealed_with_first_key(from_before)
    assert cipher.sealed_with_first_key(cipher.reseal(from_before))
    assert IdentityCipher(SecretStr(NEW)).open(cipher.reseal(from_before)) == person
    # A token of a key no longer listed, or no key at all: refused, never opened or passed over.
    with pytest.raises(ServiceUnavailable) as refused:
        IdentityCipher(SecretStr(NEW)).reseal(from_before)
    # The operator is told which setting lacks the key (mutmut `reseal__mutmut_8` to `_12`: the
    # text dropped or changed went unseen).
    assert refused.value.detail == (
        "A token cannot be decrypted with any configured key (EHP_ENCRYPTION_KEY)."
    )
    assert not IdentityCipher(None).sealed_with_first_key(sealed)


def test_a_killed_rotation_is_finished_by_the_next_run_and_the_old_key_can_go(
    database_url: str,
) -> None:
    filled = fill(database_url, OLD, complaints=COMPLAINTS)
    assert len(tokens(database_url)) == COMPLAINTS + 2
    both = f"{NEW},{OLD}"

    killed = ehp_api(
        "rotate-encryption-key",
        "--batch-size=2",
        database_url=database_url,
        key=both,
        script=KILLED_AFTER_FIRST_BATCH,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert killed.stdout.splitlines() == ["complaint identities: 2 sealed again, 0 current"]
    first_batch = [opens(NEW, token) for token in tokens(database_url)]
    assert first_batch == [True, True] + [False] * COMPLAINTS
    assert [event[0] for event in rotation_events(database_url)] == ["identity_key.rotation_start"]

    finished = ehp_api(
        "rotate-encryption-key", "--batch-size=2", database_url=database_url, key=both
    )
    assert finished.returncode == 0, finished.stderr
    # The two already done are passed over; the kept answer is sealed again too.
    assert "Sealed 5 token(s) again with the first key; 2 already were." in finished.stdout
    assert all(opens(NEW, token) and not opens(OLD, token) for token in tokens(database_url))

    events = rotation_events(database_url)
    assert [action for action, _, _ in events] == [
        "identity_key.rotation_start",
        "identity_key.rotation_start",
        "identity_key.rotation_end",
    ]
    assert events[1][1] == events[2][1] != events[0][1]  # a run's start and end share its id
    assert "'resealed': {'old': None, 'new': 5}" in events[2][2]
    assert not any(OLD in changes or NEW in changes for _, _, changes in events)

    # The old key gone: every identity opens, and the kept answer is replayed.
    assert identities(database_url, NEW) == filled.identities
    with TestClient(create_app(settings_for(database_url, NEW))) as client:
        key, body = filled.kept_answer
        headers = {**builders.bearer(filled.partner), "Idempotency-Key": key}
        replay = client.post("/api/v1/complaints", json=body, headers=headers)
        assert replay.status_code == 201, replay.text
        assert replay.headers["Idempotent-Replayed"] == "true"
        complaint_id = replay.json()["id"]
        url = f"/api/v1/complaints/{complaint_id}"
        shown = client.get(url, headers=builders.bearer(filled.psea))
        assert shown.status_code == 200, shown.text
        name = shown.json()["complainant"]["name"]
        assert name == filled.identities[complaint_id]["name"]


def test_a_token_no_key_opens_stops_the_run_and_changes_nothing(database_url: str) -> None:
    fill(database_url, OLD, complaints=1)
    before = tokens(database_url)
    refused = ehp_api("rotate-encryption-key", database_url=database_url, key=NEW)
    assert refused.returncode == 2
    assert "opens with no key of EHP_ENCRYPTION_KEY" in refused.stderr
    assert OLD not in refused.stderr + refused.stdout
    assert tokens(database_url) == before


def test_without_a_key_nothing_is_rotated(database_url: str) -> None:
    refused = ehp_api("rotate-encryption-key", database_url=database_url, key=None)
    assert refused.returncode == 2
    assert "EHP_ENCRYPTION_KEY is not set" in refused.stderr
