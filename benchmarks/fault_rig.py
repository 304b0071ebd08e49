"""The rig of benchmarks/faults.py: a private PostgreSQL cluster, the database migrated and
seeded, and `ehp-api serve` in a process group of its own, so that all its workers can be killed
at once."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import readings_batch
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from ehp_api import seeds
from ehp_api.access import service as access_service
from ehp_api.access.schemas import ApiKeyCreate
from ehp_api.core import migrate
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal

BATCH_ROWS = 10_000
SERVER_APP = "ehp-faults-server"  # application_name of the server's connections
WORKERS = 2


class Report:
    """PASS/FAIL lines, counted."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        print(f"  {'PASS' if ok else 'FAIL'}  {what}", flush=True)
        if not ok:
            self.failures.append(what)
        return ok


def say(line: str) -> None:
    print(f"  {line}", flush=True)


# --- the private PostgreSQL cluster ----------------------------------------------------------


class Cluster:
    """A throw-away PostgreSQL cluster: initdb into a temporary directory, own port, trust auth."""

    def __init__(self, port: int) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        which = shutil.which("pg_ctl")
        self.bin = found[-1].parent if found else Path(which or "pg_ctl").parent
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="ehp-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=90)
        if check and done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            sys.exit(f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}{log}")
        return done

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class World:
    """The cluster, the migrated and seeded database, and what the scenarios share."""

    cluster: Cluster
    url: str
    admin: Engine
    keys: dict[str, tuple[int, str]]  # scenario -> (API key id, secret), each its own caller
    rows: list[dict[str, Any]]  # distinct valid readings, BATCH_ROWS per caller
    folder: Path

    def rows_of(self, caller: str) -> list[dict[str, Any]]:
        first = list(self.keys).index(caller) * BATCH_ROWS
        return self.rows[first : first + BATCH_ROWS]


def build_world(cluster: Cluster, callers: list[str]) -> World:
    """Each caller (a scenario) gets a secretariat key and readings of its own, so that its writes
    can be told apart."""
    cluster.init()
    cluster.start()
    server = create_engine(cluster.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(text("CREATE DATABASE ehp_faults"))
    server.dispose()
    url = cluster.url("ehp_faults")
    migrate.upgrade(url)
    admin = create_engine(url, poolclass=NullPool)
    keys = {}
    with Session(admin) as session, session.begin():
        seeds.load_all(session)
        for name in callers:
            data = ApiKeyCreate(
                name=f"faults {name}",
                organisation="OCHA",
                role=Role.secretariat,
                expires_in_days=None,
            )
            created = access_service.create_api_key(session, system_principal(), data)
            keys[name] = (created.id, created.secret)
    rows = readings_batch.readings(admin, len(callers) * BATCH_ROWS, 0)
    return World(cluster, url, admin, keys, rows, cluster.dir)


# --- the server, in its own process group ----------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def kill_group(self) -> list[int]:
        """SIGKILL to the server and every worker (its process group); the pids that were in it."""
        members = group_members(self.process.pid)
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return members


def group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # The command name (field 2) may hold spaces; the fields after it are fixed.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(stat.parent.name))
    return members


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(world: World, name: str) -> Iterator[Server]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "ehp-api"), "serve", "--port", str(port)]
    command += ["--workers", str(WORKERS)]
    env = os.environ | {
        "EHP_DATABASE_URL": f"{world.url}?application_name={SERVER_APP}",
        "EHP_LOG_LEVEL": "warning",
    }
    log = world.folder / f"server-{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, cwd=world.folder, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-3000:]
            sys.exit(f"ehp-api serve exited with {server.process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-3000:]
    sys.exit(f"ehp-api serve was not ready within 60 s; its log ends:\n{tail}")


def server_errors(server: Server) -> list[str]:
    """Lines of the server's log about unhandled errors (each would have been a 500)."""
    text_ = server.log.read_text(errors="replace")
    return [line for line in text_.splitlines() if "unhandled error" in line]


def scalar(world: World, sql: str, **params: Any) -> Any:
    with world.admin.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def wait_until(condition: Callable[[], bool], seconds: float, step: float = 0.005) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
