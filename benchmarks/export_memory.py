"""Resident memory and speed of `GET /api/v1/exports/readings.csv` on the volume database.

.venv/bin/python benchmarks/export_memory.py [--url URL] [--rows 1000000] [--format csv|xlsx]
    [--keep]

Builds the volume database (benchmarks/volume.py; or reuses `--url`), serves it with
`ehp-api serve` in a subprocess, downloads the whole export with a secretariat key (it sees every
reading), and samples the server's resident memory every 50 ms. Prints the idle server's memory
measured in the same run, the peak during the export, rows per second, and PASS or FAIL against
200 MB. A report, not a test: it exits 0 whatever the figures.
"""

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import volume
from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from ehp_api import models  # noqa: F401 - every table, before the first query
from ehp_api.access import service as access_service
from ehp_api.access.schemas import ApiKeyCreate
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal
from ehp_api.readings.models import Reading

LIMIT_MB = 200
SAMPLE_SECONDS = 0.05


def api_key(url: str) -> tuple[str, int]:
    """A secretariat key's secret, and how many readings the database holds."""
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        data = ApiKeyCreate(
            name="export benchmark",
            organisation="OCHA",
            role=Role.secretariat,
            expires_in_days=None,
        )
        secret = access_service.create_api_key(session, system_principal(), data).secret
        count = session.exec(select(func.count()).select_from(Reading)).one()
    engine.dispose()
    return secret, count


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(url: str) -> Iterator[tuple[str, int]]:
    """`ehp-api serve` (one worker: the process that answers) on a free port: (base URL, pid)."""
    port = _free_port()
    command = [str(Path(sys.executable).parent / "ehp-api"), "serve", "--port", str(port)]
    env = os.environ | {"EHP_DATABASE_URL": url, "EHP_LOG_LEVEL": "warning", "EHP_WORKERS": "1"}
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"ehp-api serve exited with {server.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    sys.exit("ehp-api serve was not ready within 60 s")


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its descendants, in MB (from /proc)."""
    total = 0
    for process in _tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])  # kB
    return total / 1024


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(FileNotFoundError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
    return found


class Sampler(threading.Thread):
    """Samples the server's RSS every 50 ms until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.done = pid, [rss_mb(pid)], threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            self.samples.append(rss_mb(self.pid))

    def stop(self) -> list[float]:
        self.done.set()
        self.join()
        return self.samples


def idle(pid: int, seconds: float = 2.0) -> float:
    """The median RSS of the idle server over a few seconds."""
    sampler = Sampler(pid)
    sampler.start()
    time.sleep(seconds)
    return statistics.median(sampler.stop())


def download(base: str, secret: str, fmt: str, params: dict[str, str]) -> tuple[int, int, float]:
    """(bytes, CSV lines, seconds) of one export, read as it streams."""
    size = lines = 0
    headers = {"Authorization": f"Bearer {secret}"}
    start = time.perf_counter()
    url = f"{base}/api/v1/exports/readings.{fmt}"
    with httpx.stream("GET", url, headers=headers, params=params, timeout=3600) as response:
        if response.status_code != 200:
            sys.exit(f"export answered {response.status_code}: {response.read()[:500]!r}")
        for chunk in response.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")  # a CRLF may straddle two chunks
    return size, lines, time.perf_counter() - start


def measure(url: str, fmt: str) -> None:
    secret, count = api_key(url)
    with serve(url) as (base, pid):
        started = idle(pid)
        download(base, secret, fmt, {"indicator": "1.1.1.1", "period": "2020Q3"})  # warm-up
        warmed = idle(pid)
        sampler = Sampler(pid)
        sampler.start()
        size, lines, seconds = download(base, secret, fmt, {})
        samples = sampler.stop()
        after = idle(pid)
    report(fmt, count, size, lines, seconds, (started, warmed, max(samples), after, len(samples)))


def report(
    fmt: str, count: int, size: int, lines: int, seconds: float, rss: tuple[float, ...]
) -> None:
    started, warmed, peak, after, samples = rss
    rows = lines - 2 if fmt == "csv" else count  # header and HXL rows
    verdict = "PASS" if peak < LIMIT_MB else "FAIL"
    print(f"\nGET /api/v1/exports/readings.{fmt} as the secretariat: {count:,} readings stored")
    if fmt == "csv":
        check = "all" if rows == count else f"MISMATCH: {rows:,} of {count:,}"
        print(f"rows received       {rows:>14,}  ({check})")
    print(f"size                {size / 2**20:>14,.1f} MB")
    print(f"time                {seconds:>14,.1f} s")
    print(f"rows per second     {count / seconds:>14,.0f}")
    print(f"RSS idle, started   {started:>14,.1f} MB")
    print(f"RSS idle, warmed    {warmed:>14,.1f} MB  (after a small export: the baseline)")
    print(f"RSS peak, export    {peak:>14,.1f} MB  ({samples:,} samples every 50 ms)")
    print(f"peak - baseline     {peak - warmed:>14,.1f} MB")
    print(f"RSS idle, after     {after:>14,.1f} MB")
    print(f"target: peak < {LIMIT_MB} MB resident          {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an existing volume database (else one is built)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--keep", action="store_true", help="keep the database it builds")
    args = parser.parse_args()
    url = args.url or volume.build(rows=args.rows)
    try:
        measure(url, args.format)
    finally:
        if args.url is None and not args.keep:
            volume.drop(url)
        elif args.url is None:
            print(f"kept: EHP_DATABASE_URL={url}")


if __name__ == "__main__":
    main()
