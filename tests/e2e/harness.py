"""The outside-in harness: a database of its own, the server started the way an operator starts
it (`make run`, a subprocess), and the README's shell blocks run as a user runs them.

Nothing here imports the application: what these tests see is what a user sees.
"""

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
README_BASE_URL = "http://127.0.0.1:8000"
START_TIMEOUT_S = 120

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int


def fenced_blocks(markdown: Path, lang: str = "sh") -> list[Block]:
    """The fenced code blocks of a Markdown file in the given language, in order."""
    source = markdown.read_text(encoding="utf-8")
    return [
        Block(m["lang"], m["body"], source.count("\n", 0, m.start()) + 1)
        for m in _FENCE.finditer(source)
        if m["lang"] == lang
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def user_environment(**settings: str) -> dict[str, str]:
    """The environment of a user's shell: no EHP_ setting of the developer's leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EHP_")}
    env.update(settings)
    return env


@contextlib.contextmanager
def fresh_database(tmp: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or a PostgreSQL database created beside the one
    EHP_TEST_DATABASE_URL names (and dropped at the end)."""
    base = os.environ.get("EHP_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp / 'ehp.db'}"
        return
    url = make_url(base)
    name = f"{url.database}_e2e_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_ready(server: Server, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the server exited ({server.process.returncode}):\n{server.output()}"
            )
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the server was not ready after {timeout} s:\n{server.output()}")


def start_command() -> str:
    """The README's first command, as written (`make run`), without its comment."""
    first = fenced_blocks(README)[0].body
    commands = [line.split("#", 1)[0].strip() for line in first.splitlines()]
    return next(c for c in commands if c.startswith("make run"))


def user_folder(home: Path) -> Path:
    """The README's commands run from the clone's top folder (`.venv/bin/...`, `docs/...`): the
    user's shell runs in a folder that shows the clone's files, so that what the commands write
    (a downloaded template, say) stays out of the repository."""
    home.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in {".git", "ehp.db", "ehp.db-wal", "ehp.db-shm", ".env"}:
            (home / entry.name).symlink_to(entry)
    return home


@contextlib.contextmanager
def served(tmp: Path, database_url: str, **settings: str) -> Iterator[Server]:
    """The server started as the README says, in its own process group, stopped at the end."""
    port = free_port()
    env = user_environment(EHP_DATABASE_URL=database_url, EHP_PORT=str(port), **settings)
    home = user_folder(tmp / "home")
    log = tmp / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            start_command().split(),
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", env, home, process, log)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# curl as a careful user reads it: an HTTP error is a failed command, not a page of JSON that
# scrolls by. The README's commands run as written, under `set -euo pipefail`.
SHELL_PRELUDE = """\
set -euo pipefail
curl() {
  command curl --fail-with-body --silent --show-error "$@" || {
    status=$?; echo "README command failed (exit $status): curl $*" >&2; return $status; }
}
trap 'echo "README command failed (exit $?): $BASH_COMMAND" >&2' ERR
"""


def run_shell(
    server: Server, script: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run README shell text against the server, in the user's folder, as one shell session."""
    script = script.replace(README_BASE_URL, server.base_url)
    return subprocess.run(
        ["bash", "-c", SHELL_PRELUDE + script],
        cwd=server.home,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_key(server: Server, organisation: str, role: str) -> str:
    """A new API key, made with the command line as an operator makes one."""
    result = subprocess.run(
        [
            ".venv/bin/ehp-api",
            "create-api-key",
            "--org",
            organisation,
            "--role",
            role,
            "--name",
            "outside-in suite",
        ],
        cwd=server.home,
        env=server.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip().splitlines()[-1]
