"""The `ehp-api` command migrates and seeds the database named by the settings."""

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, update
from sqlmodel import Session
from typer.testing import CliRunner

from ehp_api.audit.models import AuditEvent
from ehp_api.cli import app, language
from ehp_api.core import migrate
from ehp_api.core.config import Settings, get_settings
from ehp_api.core.db import utcnow
from ehp_api.core.i18n import Language, current_language
from ehp_api.indicators.models import Indicator
from ehp_api.main import create_app
from ehp_api.models import get_engine
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period
from ehp_api.progress.models import ReadingTotal
from ehp_api.readings.models import Reading, ReadingStatus
from ehp_api.web.idempotency_keys import IdempotencyKey
from ehp_api.web.ratelimit import RateLimitCounter
from tests.alerts.conftest import alert_body
from tests.builders import bearer


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


def test_create_api_key_prints_the_secret_last_and_it_works(database_url: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["seed"])
    result = runner.invoke(
        app, ["create-api-key", "--org", "HCR", "--role", "partner", "--name", "Gao sync"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("ehpk_")
    settings = Settings(database_url=database_url, _env_file=None)
    with TestClient(create_app(settings)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert (me["organisation"], me["role"]) == ("HCR", "partner")
    with Session(create_engine(database_url)) as session:
        events = session.scalars(select(AuditEvent.action)).all()
    assert "api_key.create" in events
    assert "seed.load" in events


def test_create_user_reads_the_password_from_stdin(database_url: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["seed"])
    args = ["create-user", "Analyst@OCHA.example", "--org", "OCHA", "--role", "analyst"]
    result = runner.invoke(app, args, input="a long enough password\n")
    assert result.exit_code == 0, result.output
    settings = Settings(database_url=database_url, _env_file=None)
    with TestClient(create_app(settings)) as client:
        form = {"username": "analyst@ocha.example", "password": "a long enough password"}
        assert client.post("/api/v1/auth/token", data=form).status_code == 200


def test_unknown_organisation_fails_with_a_message(database_url: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(
        app, ["create-api-key", "--org", "NOPE", "--role", "partner", "--name", "x"]
    )
    assert result.exit_code == 2
    assert "NOPE" in result.output


def test_rebuild_totals_counts_readings_loaded_past_the_service(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["seed"]).exit_code == 0
    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        ids = (
            session.scalars(select(Indicator.id).where(Indicator.code == "1.1.1.1")).one(),
            session.scalars(select(Period.id).where(Period.code == "2021Q2")).one(),
            session.scalars(select(Organisation.id).where(Organisation.code == "HCR")).one(),
        )
        session.add(
            Reading(
                natural_key="|".join(map(str, ids)) + "|-|",
                indicator_id=ids[0],
                period_id=ids[1],
                organisation_id=ids[2],
                numerator=12,
                status=ReadingStatus.validated,
                created_by="sql",
            )
        )
    result = runner.invoke(app, ["db", "rebuild-totals"])
    assert result.exit_code == 0, result.output
    assert "reading totals rebuilt: 1 rows" in result.output
    with engine.connect() as connection:
        assert connection.execute(select(ReadingTotal.numerator)).scalars().all() == [12]
    engine.dispose()


def words(helped: str) -> str:
    """The help's words in one line, without the frames and the wrapping of its panels."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", helped).split())


class TestLanguages:
    """`--lang`, else the locale, else EHP_DEFAULT_LANGUAGE (docs/operations.md)."""

    def test_in_french_messages_errors_and_help(self, database_url: str) -> None:
        runner = CliRunner()
        upgraded = runner.invoke(app, ["--lang", "fr", "db", "upgrade"])
        assert "totaux des relevés recalculés : 0 lignes" in upgraded.output
        seeded = runner.invoke(app, ["--lang", "fr", "seed"])
        assert "indicators : 54 créé(s)" in seeded.output
        assert seeded.output.endswith("seed : modifications appliquées\n")
        args = ["--lang=fr", "create-api-key", "--org", "NOPE", "--role", "partner", "--name", "x"]
        refused = runner.invoke(app, args)
        assert refused.exit_code == 2
        assert refused.stderr.splitlines() == [
            "erreur : Aucune organisation n'a le code 'NOPE'.",
            "  organisation : Aucune organisation n'a le code 'NOPE'.",
        ]
        short = runner.invoke(
            app,
            ["--lang", "fr", "create-user", "a@ocha.example", "--org", "OCHA", "--role", "analyst"],
            input="court\n",
        )
        assert short.exit_code == 2
        assert "  password : Le texte doit avoir au moins 12 caractère" in short.stderr
        helped = words(runner.invoke(app, ["--lang", "fr", "--help"]).output)
        assert "Charger le plan de travail et les données de référence" in helped
        assert "Migrations du schéma de la base de données" in helped
        sub = words(runner.invoke(app, ["--lang", "fr", "backup", "--help"]).output)
        assert "Copier toute la base de données dans PATH" in sub
        assert "Remplacer PATH s'il existe." in sub
        # The run's language ends with it: what runs next in this process is not French.
        assert current_language() == Language.en

    def test_english_stays_english(self, database_url: str) -> None:
        runner = CliRunner()
        runner.invoke(app, ["--lang", "en", "db", "upgrade"])
        assert runner.invoke(app, ["--lang", "en", "seed"]).output.endswith(
            "seed: changes applied\n"
        )
        helped = words(runner.invoke(app, ["--lang", "en", "--help"]).output)
        assert "Load the work plan and reference data" in helped

    @pytest.mark.parametrize(
        ("environ", "expected"),
        [
            ({"LANG": "fr_ML.UTF-8", "EHP_DEFAULT_LANGUAGE": "en"}, "fr"),
            ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
            ({"LC_ALL": "fr_FR@euro", "LC_MESSAGES": "en_US.UTF-8"}, "fr"),
            ({"LANG": "C.UTF-8", "EHP_DEFAULT_LANGUAGE": "fr"}, "fr"),  # a container, cron
            ({"LANG": "C.UTF-8", "EHP_DEFAULT_LANGUAGE": "en"}, "en"),
            ({"LANG": "de_DE.UTF-8", "EHP_DEFAULT_LANGUAGE": "fr"}, "fr"),
            ({}, "fr"),  # the product's default
        ],
    )
    def test_the_locale_then_the_setting(
        self,
        database_url: str,
        monkeypatch: pytest.MonkeyPatch,
        environ: dict[str, str],
        expected: str,
    ) -> None:
        for name in ("LC_ALL", "LC_MESSAGES", "LANG", "EHP_DEFAULT_LANGUAGE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        assert language.chosen(None) == Language(expected)
        assert language.chosen(Language.en) == Language.en  # --lang wins
        output = CliRunner().invoke(app, ["db", "upgrade"]).output
        assert ("totaux des relevés" in output) == (expected == "fr"), output

    def test_lang_is_read_before_the_command_only(self) -> None:
        commands = {"seed": None, "db": None}
        assert language.asked_in(["--lang", "fr", "seed"], commands) == Language.fr
        assert language.asked_in(["--lang=en", "db", "upgrade"], commands) == Language.en
        assert language.asked_in(["seed", "--lang", "fr"], commands) is None
        assert language.asked_in(["--lang", "de", "seed"], commands) is None  # click refuses it
        refused = CliRunner().invoke(app, ["--lang", "de", "seed"])
        assert refused.exit_code == 2


class TestServe:
    """`ehp-api serve` hands uvicorn what a multi-worker server needs."""

    @pytest.fixture
    def uvicorn_calls(self, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []
        monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
        return calls

    def test_workers_get_time_to_start_on_a_busy_host(
        self, database_url: str, uvicorn_calls: list[dict[str, Any]]
    ) -> None:
        result = CliRunner().invoke(app, ["serve", "--workers", "2"])
        assert result.exit_code == 0, result.output
        [options] = uvicorn_calls
        assert options["workers"] == 2
        # uvicorn's default (5 s) replaced workers that took longer to import the app, forever.
        assert options["timeout_worker_healthcheck"] == 30

    def test_the_start_timeout_is_a_setting(
        self,
        database_url: str,
        uvicorn_calls: list[dict[str, Any]],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("EHP_WORKER_START_TIMEOUT", "90")
        get_settings.cache_clear()
        assert CliRunner().invoke(app, ["serve"]).exit_code == 0
        assert uvicorn_calls[0]["timeout_worker_healthcheck"] == 90

    def test_uvicorn_believes_no_forwarded_header_the_app_decides(
        self, database_url: str, uvicorn_calls: list[dict[str, Any]]
    ) -> None:
        # uvicorn's own handling trusts 127.0.0.1 whatever EHP_TRUSTED_PROXIES says.
        assert CliRunner().invoke(app, ["serve"]).exit_code == 0
        assert uvicorn_calls[0]["proxy_headers"] is False
        assert "forwarded_allow_ips" not in uvicorn_calls[0]


class TestPurgeExpired:
    """`ehp-api purge-expired`, run as an operator's cron job runs it: a process of its own."""

    @pytest.fixture
    def run(self, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
        env = {**os.environ, "EHP_DATABASE_URL": f"sqlite:///{tmp_path / 'purge.db'}"}
        command = Path(sys.executable).with_name("ehp-api")

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            result = subprocess.run(
                [str(command), *args],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            return result

        return run

    def test_expired_keys_and_counters_go_live_ones_stay(
        self, run: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
    ) -> None:
        run("db", "upgrade")
        run("seed")
        secret = run("create-api-key", "--org", "HCR", "--role", "partner", "--name", "x")
        database_url = f"sqlite:///{tmp_path / 'purge.db'}"
        settings = Settings(database_url=database_url, _env_file=None)
        with TestClient(create_app(settings)) as client:
            client.headers.update(bearer(secret.stdout.split()[-1]))

            def post(key: str) -> Any:
                body = alert_body(external_ref=key)
                return client.post("/api/v1/alerts", json=body, headers={"Idempotency-Key": key})

            first = post("old")
            assert post("new").status_code == 201
            _expire_and_count(database_url)

            result = run("purge-expired")
            assert result.stdout.strip() == (
                "Removed 1 expired idempotency key(s) and 1 rate-limit counter(s); "
                "summarised 0 ended run(s) of refused logins."
            )
            engine = create_engine(database_url)
            with Session(engine) as session:
                assert session.scalars(select(IdempotencyKey.key)).all() == ["new"]
                assert session.scalars(select(RateLimitCounter.key)).all() == ["new"]
            engine.dispose()
            assert "Removed 0" in run("purge-expired").stdout
            french = run("--lang", "fr", "purge-expired").stdout
            assert french.startswith("0 clé(s) d'idempotence expirée(s) et 0 compteur(s)")
            # The key is free again: a retry with it runs afresh instead of being replayed.
            again = post("old")
        assert again.status_code == 201
        assert "Idempotent-Replayed" not in again.headers
        assert again.json()["id"] != first.json()["id"]


def _expire_and_count(database_url: str) -> None:
    """The key `old` expires; a rate-limit counter has run out and another has not."""
    engine = create_engine(database_url)
    now = utcnow()
    with Session(engine) as session, session.begin():
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")  # type: ignore[arg-type]
            .values(expires_at=now - timedelta(minutes=1))
        )
        session.add(RateLimitCounter(key="old", count=5, expires_at=now - timedelta(seconds=1)))
        session.add(RateLimitCounter(key="new", count=1, expires_at=now + timedelta(minutes=1)))
    engine.dispose()
