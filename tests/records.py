"""A database of its own, filled through the API with records of every kind, for the tests that
work on a whole database from outside (the backup drill, key rotation): the command line runs
in a subprocess against it, as an operator runs it.

`fresh_database` (tests/e2e/harness.py) gives the database: a SQLite file, or a PostgreSQL
database created beside the one EHP_TEST_DATABASE_URL names.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, inspect, make_url, select, text
from sqlmodel import Session

from ehp_api import seeds
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.models import Complaint
from ehp_api.core import migrate
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.models import build_engine
from tests import builders
from tests.alerts.conftest import alert_body
from tests.complaints.conftest import complaint, named
from tests.conftest import reset_postgres_schema
from tests.e2e.harness import user_environment
from tests.readings.conftest import count_reading

COMPLAINTS = "/api/v1/complaints"


@dataclass(frozen=True)
class Filled:
    """What `fill` wrote that a test needs again."""

    partner: str  # an API key's secret (HCR)
    psea: str  # a PSEA focal point's key: it sees identities
    identities: dict[int, dict[str, Any]]  # complaint id -> its complainant, in clear
    kept_answer: tuple[str, dict[str, Any]]  # an Idempotency-Key of a POST /complaints, its body


def settings_for(database_url: str, key: str | None) -> Settings:
    return Settings(
        database_url=database_url,
        encryption_key=key,
        environment="test",
        rate_limit_storage="memory://",
        _env_file=None,
    )


def fill(database_url: str, key: str, complaints: int = 3) -> Filled:
    """Migrate and seed, then write readings (one validated), an alert moved along, complaints
    with identities (one kept for an Idempotency-Key), keys, a user who logged in: every kind of
    row, the audit log's included."""
    settings = settings_for(database_url, key)
    migrate.upgrade(database_url)
    engine = build_engine(settings)
    try:
        with Session(engine) as session, session.begin():
            seeds.load_all(session)
            partner = builders.api_key(session, Role.partner, "HCR")
            secretariat = builders.api_key(session, Role.secretariat, "OCHA")
            psea = builders.api_key(session, Role.psea_focal_point, "UNFPA")
            builders.user(session, "filled@ocha.example")
    finally:
        engine.dispose()
    identities: dict[int, dict[str, Any]] = {}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        hcr, ocha = builders.bearer(partner), builders.bearer(secretariat)
        login = {"username": "filled@ocha.example", "password": "a long enough password"}
        assert client.post("/api/v1/auth/token", data=login).status_code == 200
        for period in ("2021Q1", "2021Q2"):
            reading = client.post(
                "/api/v1/readings", json=count_reading(period=period), headers=hcr
            )
            assert reading.status_code == 201, reading.text
        validated = client.post(f"/api/v1/readings/{reading.json()['id']}/validate", headers=ocha)
        assert validated.status_code == 200, validated.text
        alert = client.post("/api/v1/alerts", json=alert_body(), headers=hcr)
        assert alert.status_code == 201, alert.text
        for number in range(complaints):
            person = {"name": f"Aminata Diallo {number}", "phone": f"+223 70 00 00 {number:02}"}
            body = complaint(complainant=named(**person))
            created = client.post(COMPLAINTS, json=body, headers=hcr)
            assert created.status_code == 201, created.text
            identities[created.json()["id"]] = person
        kept = complaint(complainant=named(name="Kept Answer", phone="+223 70 11 11 11"))
        once = client.post(COMPLAINTS, json=kept, headers={**hcr, "Idempotency-Key": "filled-1"})
        assert once.status_code == 201, once.text
        identities[once.json()["id"]] = {"name": "Kept Answer", "phone": "+223 70 11 11 11"}
    return Filled(partner, psea, identities, ("filled-1", kept))


def wipe(database_url: str) -> None:
    """The database lost: its file deleted (SQLite), every table dropped (PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    reset_postgres_schema(engine)
    engine.dispose()


def table_rows(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (Alembic's included), in an order that does not depend on how
    the rows were stored."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            every = {name: text(f'SELECT * FROM "{name}"') for name in names}  # noqa: S608
            return {
                name: sorted((tuple(row) for row in connection.execute(query)), key=repr)
                for name, query in every.items()
            }
    finally:
        engine.dispose()


def identities(database_url: str, key: str) -> dict[int, dict[str, Any]]:
    """Every complainant's identity, opened with `key` (one key, or several comma-separated)."""
    cipher = IdentityCipher(SecretStr(key))
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                select(Complaint.id, Complaint.identity_token).where(
                    Complaint.identity_token.is_not(None)
                )
            ).all()
    finally:
        engine.dispose()
    return {id_: cipher.open(token) for id_, token in stored}


def ehp_api(
    *args: str, database_url: str, key: str | None, script: str = "from ehp_api.cli import app"
) -> subprocess.CompletedProcess[str]:
    """`ehp-api ARGS` in a subprocess, with the settings of an operator's shell (the worktree's
    code: `python -c`, not the installed script), in English, which the tests read (an operator's
    shell gets the deployment's French). `script` may prepare the command first."""
    settings = {"EHP_DATABASE_URL": database_url}
    if key is not None:
        settings["EHP_ENCRYPTION_KEY"] = key
    env = user_environment(**settings)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    code = f"{script}\napp({['--lang', 'en', *args]!r})"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )


SRC = Path(__file__).resolve().parents[1] / "src"
