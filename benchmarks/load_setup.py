"""The database and the servers of benchmarks/load.py.

A fresh `ehp_load_<random>` database migrated and seeded with the CLI, filled by volume.py's
generators, the callers' API keys, and servers run as subprocesses on free ports.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import load_mix
import volume
import volume_records
from cryptography.fernet import Fernet
from sqlalchemy import create_engine
from sqlmodel import Session

from ehp_api import models  # noqa: F401 - every table, before the first query
from ehp_api.access import service as access_service
from ehp_api.access.schemas import ApiKeyCreate
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal

PARTNERS = ("HCR", "UNICEF", "UNFPA", "OIM")
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent


def create_database() -> str:
    return volume.create_database("ehp_load")


def prepare(url: str, rows: int) -> None:
    """Migrate and seed with the CLI, then add the volume."""
    env = os.environ | {"EHP_DATABASE_URL": url, "EHP_LOG_LEVEL": "warning"}
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([str(BIN / "ehp-api"), *command], env=env, check=True, capture_output=True)
    engine = create_engine(url)
    volume.copy(engine, "readings", volume.READING_COLUMNS, volume.readings(engine, rows))
    volume.build_totals(engine)  # copied past the service: the dashboard's totals too
    volume_records.alerts(engine, rows // 10)
    volume_records.complaints(engine, rows // 10)
    volume.vacuum(engine)
    engine.dispose()


def plan_of(url: str) -> load_mix.Plan:
    """The plan's keys, and new API keys for the callers."""
    engine = create_engine(url)
    lookups, _ = volume.keys(engine)
    with Session(engine) as session, session.begin():
        partners = [(org, _key(session, org, Role.partner)) for org in PARTNERS]
        analyst = _key(session, "OCHA", Role.analyst)
    engine.dispose()
    periods = sorted(lookups.periods.values(), key=lambda p: p.starts_on)
    return load_mix.Plan(
        indicators=[
            (i.code, i.measure) for i in lookups.indicators.values() if not i.computed_from
        ],
        quarters=[p.code for p in periods if p.kind == "quarter"],
        cercles=[loc.pcode for loc in lookups.locations.values() if loc.region_id != loc.id],
        partners=partners,
        analyst=analyst,
        period_ids=[p.id for p in periods],
    )


def _key(session: Session, org: str, role: Role) -> str:
    data = ApiKeyCreate(
        name=f"load benchmark {org}", organisation=org, role=role, expires_in_days=None
    )
    return access_service.create_api_key(session, system_principal(), data).secret


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_command(workers: int) -> list[str]:
    return [str(BIN / "ehp-api"), "serve", "--workers", str(workers)]


def ceiling_command(workers: int) -> list[str]:
    """benchmarks/ceiling_app.py under uvicorn, given as long as the service to start."""
    command = [str(BIN / "python"), "-m", "uvicorn", "ceiling_app:app", "--app-dir", str(HERE)]
    options = ["--workers", str(workers), "--log-level", "warning"]
    return [*command, *options, "--timeout-worker-healthcheck", "30"]


# The servers `serve` runs: their base URL -> the pid of the process it started.
SERVERS: dict[str, int] = {}


@contextlib.contextmanager
def serve(command: list[str], url: str, probe: str, log: Path) -> Iterator[str]:
    """The server as a subprocess on a free port (its output to `log`); stopped at the end."""
    port = _free_port()
    env = os.environ | {"EHP_DATABASE_URL": url, "EHP_LOG_LEVEL": "warning"}
    env["EHP_ENCRYPTION_KEY"] = env.get("EHP_ENCRYPTION_KEY") or Fernet.generate_key().decode()
    with log.open("ab") as out:
        server = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    SERVERS[base] = server.pid
    try:
        _wait_ready(base + probe, server)
        yield base
    finally:
        SERVERS.pop(base, None)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    sys.exit("the server was not ready within 90 s")
