"""The restore drill: `ehp-api backup` of a database holding every kind of record, the database
lost, `ehp-api restore` into a new one, and every table's rows and every identity as they were.

On the test database's kind: a SQLite file, or PostgreSQL (pg_dump, pg_restore) when
EHP_TEST_DATABASE_URL names one.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from ehp_api.audit.models import AuditEvent
from ehp_api.main import create_app
from tests import builders
from tests.complaints.conftest import complaint
from tests.e2e.harness import fresh_database
from tests.readings.conftest import count_reading
from tests.records import (
    ehp_api,
    fill,
    identities,
    settings_for,
    table_rows,
    wipe,
)

KEY = Fernet.generate_key().decode()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def actions(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    finally:
        engine.dispose()


Rows = dict[str, list[tuple[object, ...]]]


def less_event(rows: Rows, action: str) -> Rows:
    """`rows` less the one audit event of `action` (a backup's or a restore's own)."""
    events = rows["audit_events"]
    ours = [event for event in events if action in event]
    assert len(ours) == 1, ours
    return {**rows, "audit_events": [event for event in events if event not in ours]}


def test_a_backup_restores_every_row_and_every_identity(tmp_path: Path, database_url: str) -> None:
    filled = fill(database_url, KEY)
    before = table_rows(database_url)
    assert all(before[name] for name in ("readings", "alerts", "complaints", "api_keys"))
    backup = tmp_path / "ehp.backup"

    done = ehp_api("backup", str(backup), database_url=database_url, key=KEY)
    assert done.returncode == 0, done.stderr
    assert f"Backup written to {backup}" in done.stdout
    assert actions(database_url)[-1] == "database.backup"
    assert KEY not in backup.read_bytes().decode("latin-1")

    wipe(database_url)
    assert table_rows(database_url) == {}
    restored = ehp_api("restore", str(backup), database_url=database_url, key=KEY)
    assert restored.returncode == 0, restored.stderr
    after = table_rows(database_url)
    assert set(after) == set(before)
    assert less_event(after, "database.restore") == before
    assert identities(database_url, KEY) == filled.identities

    # The restored database serves: its keys work, and new rows take new ids.
    with TestClient(create_app(settings_for(database_url, KEY))) as client:
        hcr = builders.bearer(filled.partner)
        reading = count_reading(period="2021Q3")
        assert client.post("/api/v1/readings", json=reading, headers=hcr).status_code == 201
        assert client.post("/api/v1/complaints", json=complaint(), headers=hcr).status_code == 201


def test_a_restore_refuses_a_database_that_is_not_empty(tmp_path: Path, database_url: str) -> None:
    fill(database_url, KEY, complaints=1)
    backup = tmp_path / "ehp.backup"
    assert ehp_api("backup", str(backup), database_url=database_url, key=KEY).returncode == 0
    before = table_rows(database_url)

    refused = ehp_api("restore", str(backup), database_url=database_url, key=KEY)
    assert refused.returncode == 2
    assert "not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert table_rows(database_url) == before

    again = ehp_api("backup", str(backup), database_url=database_url, key=KEY)
    assert again.returncode == 2
    assert "exists" in again.stderr

    # --force replaces what is there; without the key in use at the backup, the identities are
    # lost, and the restore says so.
    forced = ehp_api("restore", "--force", str(backup), database_url=database_url, key=None)
    assert forced.returncode == 1, forced.stderr
    assert "2 complainant identities open with no key" in forced.stderr
    after = less_event(table_rows(database_url), "database.restore")
    assert after == less_event(before, "database.backup")


def test_a_backup_of_the_other_kind_is_refused(tmp_path: Path, database_url: str) -> None:
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup")
    refused = ehp_api("restore", str(not_a_backup), database_url=database_url, key=KEY)
    assert refused.returncode == 2
    assert "is not a" in refused.stderr
    assert table_rows(database_url) == {}
