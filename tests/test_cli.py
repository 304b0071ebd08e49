"""The `ehp-api` command migrates and seeds the database named by the settings."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from ehp_api import migrate
from ehp_api.cli import app
from ehp_api.config import get_settings
from ehp_api.db import get_engine
from ehp_api.indicators.models import Indicator


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("EHP_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_upgrade_then_seed_twice(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(app, ["seed"])
    assert first.exit_code == 0, first.output
    assert "indicators: created 54" in first.output
    second = runner.invoke(app, ["seed"])
    assert "seed: already up to date" in second.output
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Indicator)).scalar() == 54
        assert migrate.current_revision(connection) == migrate.head_revision()
    engine.dispose()


def test_downgrade_to_base(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["db", "downgrade", "base"]).exit_code == 0
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert migrate.current_revision(connection) is None
    engine.dispose()
