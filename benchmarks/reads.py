"""Authenticated reads of the service against a bare FastAPI + SQLModel read, in the same run.

.venv/bin/python benchmarks/reads.py [--db sqlite postgresql] [--seconds 8] [--concurrency 8]

For each database kind: a fresh database migrated and seeded with the CLI, a partner's (UNHCR)
API key, a quarter of its readings and one alert posted over HTTP. Then the anchor
(benchmarks/anchor_app.py: a sync endpoint, a `Session` dependency, one SQLModel row by its unique
code) and the service (`ehp-api serve`, one worker each) are driven by the same client: N
concurrent callers, no think time, for S seconds per request kind. The anchor is measured before
and after the service's requests and their mean is the baseline, so a machine whose load drifts
during the run weighs on both.

Prints requests/s, p50 and p99 for each request, and its ratio to the anchor. Targets (the read
speed issue): single resources at least 0.8 times the anchor, lists of 50 at least 0.5 times. A
report, not a test: it exits 0 whatever the figures.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import load_setup
import volume
from cryptography.fernet import Fernet

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
INDICATOR = "1.3.2.1"
QUARTER = "2021Q2"
SINGLE_TARGET = 0.8
LIST_TARGET = 0.5


@dataclass(frozen=True)
class Request:
    label: str
    path: str
    is_list: bool = False


@dataclass(frozen=True)
class Figures:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "ehp-api"), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def prepare(env: dict[str, str]) -> str:
    """Migrate and seed with the CLI; returns a partner's (UNHCR) API key."""
    cli(env, "db", "upgrade")
    cli(env, "seed")
    return cli(env, "create-api-key", "--org", "HCR", "--role", "partner", "--name", "reads")


def post_data(base: str, key: str) -> tuple[int, int]:
    """UNHCR's quarter (a reading for each count indicator, two locations) and one alert; returns
    the id of one reading and of the alert."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
        indicators = client.get("/api/v1/indicators", params={"measure": "count", "limit": 200})
        codes = [i["code"] for i in indicators.raise_for_status().json()["items"]]
        batch = [
            {"indicator": code, "period": QUARTER, "location": pcode, "value": n + 1}
            for n, code in enumerate(codes)
            for pcode in ("ML0701", "ML0702")
        ]
        client.post(
            "/api/v1/readings/batch", params={"mode": "partial"}, json={"readings": batch}
        ).raise_for_status()
        readings = client.get("/api/v1/readings", params={"limit": 1}).raise_for_status().json()
        alert = client.post("/api/v1/alerts", json=ALERT).raise_for_status().json()
    return readings["items"][0]["id"], alert["id"]


ALERT = {
    "kind": "ewrr", "category": "attack_on_civilians", "location": "ML0701",
    "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 3,
    "affected_group": "idps", "affected_people": 120,
    "narrative": "Benchmark alert: an armed group entered the site at night.",
}  # fmt: skip


def requests_of(reading_id: int, alert_id: int) -> list[Request]:
    return [
        Request("one indicator", f"/api/v1/indicators/{INDICATOR}"),
        Request("one activity with its indicators", "/api/v1/activities/1.2.1"),
        Request("activities list (50)", "/api/v1/activities?limit=50", is_list=True),
        Request("one reading", f"/api/v1/readings/{reading_id}"),
        Request(
            "readings of a partner's quarter (50)",
            f"/api/v1/readings?organisation=HCR&period={QUARTER}&limit=50",
            is_list=True,
        ),
        Request("one alert", f"/api/v1/alerts/{alert_id}"),
        Request("/me", "/api/v1/me"),
    ]


async def drive(base: str, path: str, headers: dict[str, str], args: argparse.Namespace) -> Figures:
    """`concurrency` callers in a closed loop for `seconds`, after a one-second warm-up."""
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        latencies: list[float] = []
        errors = 0

        async def caller(until: float, record: bool) -> None:
            nonlocal errors
            while (start := time.perf_counter()) < until:
                response = await client.get(path)
                if not record:
                    continue
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - start)
                else:
                    errors += 1

        for seconds, record in ((1.0, False), (args.seconds, True)):
            until = time.perf_counter() + seconds
            began = time.perf_counter()
            await asyncio.gather(*(caller(until, record) for _ in range(args.concurrency)))
            elapsed = time.perf_counter() - began
    latencies.sort()
    if not latencies:
        return Figures(0.0, 0.0, 0.0, errors)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Figures(len(latencies) / elapsed, statistics.median(latencies) * 1e3, p99 * 1e3, errors)


def anchor_command() -> list[str]:
    command = [str(BIN / "python"), "-m", "uvicorn", "anchor_app:app", "--app-dir", str(HERE)]
    return [*command, "--log-level", "warning", "--timeout-worker-healthcheck", "30"]


def run(kind: str, args: argparse.Namespace, log: Path) -> None:
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="ehp-reads-")
        url = f"sqlite:///{folder}/reads.db"
    else:
        url = volume.create_database("ehp_reads")
    key = Fernet.generate_key().decode()
    env = os.environ | {
        "EHP_DATABASE_URL": url,
        "EHP_ENCRYPTION_KEY": key,
        "EHP_LOG_LEVEL": "warning",
    }
    os.environ["EHP_ENCRYPTION_KEY"] = key  # the servers of load_setup.serve keep one if set
    try:
        secret = prepare(env)
        auth = {"Authorization": f"Bearer {secret}"}
        service = load_setup.serve(load_setup.service_command(1), url, "/readyz", log)
        anchor = load_setup.serve(anchor_command(), url, f"/indicators/{INDICATOR}", log)
        with service as service_base, anchor as anchor_base:
            requests = requests_of(*post_data(service_base, secret))
            anchor_path = f"/indicators/{INDICATOR}"
            before = asyncio.run(drive(anchor_base, anchor_path, {}, args))
            measured = [(r, asyncio.run(drive(service_base, r.path, auth, args))) for r in requests]
            after = asyncio.run(drive(anchor_base, anchor_path, {}, args))
        report(kind, before, after, measured)
    finally:
        if kind == "postgresql" and not args.keep:
            volume.drop(url)


def report(
    kind: str, before: Figures, after: Figures, measured: list[tuple[Request, Figures]]
) -> None:
    baseline = (before.rate + after.rate) / 2
    print(f"\n{kind}: anchor (bare FastAPI + SQLModel read by code) {before.rate:,.0f} req/s "
          f"before, {after.rate:,.0f} after; baseline {baseline:,.0f} req/s")  # fmt: skip
    print(f"{'request':<40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}  target")
    for request, figures in measured:
        ratio = figures.rate / baseline if baseline else 0.0
        target = LIST_TARGET if request.is_list else SINGLE_TARGET
        verdict = "PASS" if ratio >= target and not figures.errors else "FAIL"
        print(
            f"{request.label:<40}{figures.rate:>9,.0f}{figures.p50_ms:>9.1f}{figures.p99_ms:>9.1f}"
            f"{figures.errors:>8}{ratio:>8.2f}  {target} {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database.")
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="ehp-reads-log-")) / "servers.log"
    load = os.getloadavg()
    print(
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {os.cpu_count()} CPUs; "
        f"{args.concurrency} callers, {args.seconds:g} s per request; server logs in {log}"
    )
    for kind in args.db:
        run(kind, args, log)


if __name__ == "__main__":
    main()
