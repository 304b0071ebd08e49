"""The migrations build the schema the models describe, and can be undone and redone."""

import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import ehp_api.models  # noqa: F401
from ehp_api.core import migrate
from ehp_api.core.config import Settings


@pytest.fixture
def empty_database_url(settings: Settings) -> Iterator[str]:
    """A database of its own, empty, on the same server as the test database."""
    if settings.is_sqlite:
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='ehp-migrations-')) / 'm.db'}"
        return
    url = make_url(settings.database_url)
    name = f"ehp_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _state(url: str) -> tuple[str | None, set[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return migrate.current_revision(connection), set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_reaches_head_with_every_table(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    revision, tables = _state(empty_database_url)
    assert revision == migrate.head_revision()
    assert set(SQLModel.metadata.tables) <= tables


def test_models_and_migrations_agree(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_downgrade_to_base_then_upgrade_again(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    migrate.downgrade("base", empty_database_url)
    revision, tables = _state(empty_database_url)
    assert revision is None
    assert tables <= {"alembic_version"}
    migrate.upgrade(empty_database_url)
    assert _state(empty_database_url)[0] == migrate.head_revision()


def test_existing_audit_events_get_random_public_ids_and_stay_append_only(
    empty_database_url: str,
) -> None:
    """The audit log's public ids are filled in for the events already there, each a random
    token of its own, and the table refuses updates afterwards as before."""
    migrate.upgrade(empty_database_url, "8b41c7d2e9a6")
    engine = create_engine(empty_database_url)
    insert = text(
        "INSERT INTO audit_events (occurred_at, principal_kind, principal_name, action, "
        "entity_type, changes, confidential) VALUES (:at, 'system', 'cli:test', 'seed.run', "
        "'seed', '{}', false)"
    )
    try:
        with engine.begin() as connection:
            for minute in range(5):
                connection.execute(insert, {"at": f"2026-12-05 10:0{minute}:00+00:00"})
        migrate.upgrade(empty_database_url)
        with engine.connect() as connection:
            ids = connection.execute(text("SELECT public_id FROM audit_events")).scalars().all()
        assert len(ids) == len(set(ids)) == 5
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text("UPDATE audit_events SET action = 'changed'"))
    finally:
        engine.dispose()


def test_stored_kobo_uuids_are_kept_within_their_organisation_and_back(
    empty_database_url: str,
) -> None:
    """A complaint made from a Kobo submission before the change keeps matching its resends:
    its uuid becomes `<organisation id>:<uuid>`, and the downgrade gives the uuid back."""
    migrate.upgrade(empty_database_url, "3c9e5a7b1d24")
    engine = create_engine(empty_database_url)
    now = "2026-12-05 10:00:00+00:00"
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, code, name_fr, kind, ehp_member, aliases, "
                    "created_at, updated_at) VALUES (7, 'HCR', 'HCR', 'un_agency', true, '[]', "
                    ":now, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO complaints (id, channel, category, sensitive, received_on, "
                    "description, anonymous, consent_to_contact, consent_to_share_identity, "
                    "status, recorded_by_organisation_id, recorded_by, referral_due_on, "
                    "assistance_declined, created_at, updated_at, kobo_uuid) VALUES (41, "
                    "'hotline', 'feedback', false, '2021-06-10', 'x', true, false, false, "
                    "'received', 7, 'test', '2021-06-17', false, :now, :now, 'e58da38d')"
                ),
                {"now": now},
            )
        stored = text("SELECT kobo_uuid FROM complaints WHERE id = 41")
        migrate.upgrade(empty_database_url)
        with engine.connect() as connection:
            assert connection.execute(stored).scalar_one() == "7:e58da38d"
        migrate.downgrade("3c9e5a7b1d24", empty_database_url)
        with engine.connect() as connection:
            assert connection.execute(stored).scalar_one() == "e58da38d"
    finally:
        engine.dispose()
