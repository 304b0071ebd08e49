"""The migrations build the schema the models describe, and can be undone and redone."""

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url
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
