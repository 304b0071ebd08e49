"""EHP_TRUSTED_PROXIES reaches the served app: the real server, started the two documented ways
on a fresh database, counts logins per forwarded address from a trusted proxy and believes no
X-Forwarded-For from anyone else, 127.0.0.1 included (which uvicorn's own handling trusts)."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
PROXY = "127.0.0.2"  # a loopback address of its own: the trusted proxy
OTHER = "127.0.0.1"  # any other caller, on the same machine
LOGIN = "/api/v1/auth/token"

SERVERS = {
    "ehp-api serve": [str(BIN / "ehp-api"), "serve"],
    "uvicorn --factory": [
        str(BIN / "uvicorn"),
        "ehp_api.main:create_app",
        "--factory",
        "--no-proxy-headers",
        "--host",
        "127.0.0.1",
    ],
}


def _environment(database: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("EHP_")}
    return env | {
        "EHP_DATABASE_URL": f"sqlite:///{database}",
        "EHP_TRUSTED_PROXIES": PROXY,
        "EHP_LOGIN_RATE_LIMIT_PER_IP": "2/minute",
        "EHP_LOGIN_RATE_LIMIT": "100/minute",
    }


def _run(command: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated and seeded by the CLI, copied by each test."""
    folder = tmp_path_factory.mktemp("proxy-seed")
    env = _environment(folder / "x.db")
    _run([str(BIN / "ehp-api"), "db", "upgrade"], env, folder)
    _run([str(BIN / "ehp-api"), "seed"], env, folder)
    return folder / "x.db"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[str]:
    """The server started as a subprocess, its URL once `/healthz` answers; stopped after."""
    port = _free_port()
    log = cwd / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, cwd=cwd, stdout=output, stderr=output
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"the server exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the server never answered:\n{log.read_text()}"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def logins(url: str, source: str, forwarded_for: list[str]) -> list[int]:
    """Failed logins sent from `source`, one per X-Forwarded-For value; their statuses."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=url, transport=transport, timeout=30) as client:
        data = {"username": "nobody@example.org", "password": "wrong"}
        return [
            client.post(LOGIN, data=data, headers={"X-Forwarded-For": value}).status_code
            for value in forwarded_for
        ]


@pytest.mark.parametrize("server", SERVERS)
def test_the_trusted_proxies_setting_reaches_the_served_app(
    server: str, seeded: Path, tmp_path: Path
) -> None:
    shutil.copy(seeded, tmp_path / "x.db")
    with served(SERVERS[server], _environment(tmp_path / "x.db"), tmp_path) as url:
        # Through the trusted proxy, each forwarded client has its own allowance of 2.
        assert logins(url, PROXY, ["203.0.113.1"] * 3) == [401, 401, 429]
        assert logins(url, PROXY, ["203.0.113.2"]) == [401]
        # From anyone else, a new forwarded address per attempt escapes nothing.
        assert logins(url, OTHER, [f"198.51.100.{n}" for n in range(3)]) == [401, 401, 429]
