"""The real service from outside: `ehp-api` subprocesses on a fresh SQLite file.

`serve(directory)` migrates and seeds a new database with the CLI, then starts `ehp-api serve`
on a free port and stops it afterwards; `Server.api_key(...)` makes a key with the CLI and
returns its secret (the command's last line). Kept apart from the tests so that a shared
outside-in harness can take it over.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

EHP_API = str(Path(sys.executable).parent / "ehp-api")
READY_WITHIN_SECONDS = 60


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    directory: Path

    def cli(self, *args: str) -> str:
        """Run `ehp-api <args>` against the server's database; its standard output."""
        return cli(self.env, self.directory, *args)

    def api_key(self, org: str, role: str, name: str) -> str:
        """A new API key's secret, made with `ehp-api create-api-key`."""
        output = self.cli("create-api-key", "--org", org, "--role", role, "--name", name)
        return output.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(env: dict[str, str], directory: Path, *args: str) -> str:
    # The working directory is the test's own: no `.env` of the developer's is read.
    done = subprocess.run(
        [EHP_API, *args], env=env, cwd=directory, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise AssertionError(f"ehp-api {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def environment(directory: Path, **settings: str) -> dict[str, str]:
    """The process environment for a service on `directory/ehp.db`; `settings` add EHP_ ones."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("EHP_")}
    return inherited | {
        "EHP_DATABASE_URL": f"sqlite:///{directory / 'ehp.db'}",
        "EHP_LOG_LEVEL": "warning",
        **{f"EHP_{name.upper()}": value for name, value in settings.items()},
    }


@contextlib.contextmanager
def serve(directory: Path, **settings: str) -> Iterator[Server]:
    """`ehp-api serve` on a migrated and seeded database in `directory`, until the block ends."""
    port = free_port()
    env = environment(directory, port=str(port), **settings)
    cli(env, directory, "db", "upgrade")
    cli(env, directory, "seed")
    log = (directory / "serve.log").open("wb")
    process = subprocess.Popen(
        [EHP_API, "serve"], env=env, cwd=directory, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(f"http://127.0.0.1:{port}", env, directory)
    try:
        _wait_ready(server, process)
        yield server
    finally:
        _stop(process)
        log.close()


def _wait_ready(server: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (server.directory / "serve.log").read_text(errors="replace")
            raise AssertionError(f"ehp-api serve exited with {process.returncode}:\n{log}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"ehp-api serve was not ready within {READY_WITHIN_SECONDS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
