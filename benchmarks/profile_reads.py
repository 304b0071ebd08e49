"""In-process profile of three reads of the load mix: Python calls and SQL statements per request.

.venv/bin/python benchmarks/profile_reads.py --url URL [--calls 200] [--export-calls 50]
    [--only LABEL] [--top N] [--dump FILE] [--save DIR] [--alert-id ID]
.venv/bin/python benchmarks/profile_reads.py --url URL --mix [--calls 100]

Not a benchmark of speed: one process, no server, no socket. The app of `create_app` is called
as an ASGI application on one event loop, with the thread pool's calls run inline, so that one
`cProfile` profile sees the whole request (middleware, routing, dependencies, the handler,
FastAPI's check of a returned model, the streamed body). The counts it prints, Python function
calls and SQL statements per request, hardly move with the machine's load; the milliseconds
(of the profiled pass, and of an unprofiled pass before it) do.

`URL`: a PostgreSQL database prepared as `load.py` prepares one (`load.py --keep` leaves one;
so do `load_setup.create_database()` then `load_setup.prepare(url, 100_000)`). The requests
are the load mix's (`load_mix.py`), drawn with a fixed seed: the analyst's alerts list of a
cercle (50 a page) and CSV export of a partner's quarter; and, as `reads.py` does, UNHCR
reading its own alert, posted first unless `--alert-id` names one. `--save DIR` writes every
answer's body, to compare two commits' answers byte for byte.

`--mix`: instead, each operation of the load mix (`load_mix.SERVICE_MIX`, writes included, as
its callers send them through an `httpx` client on the app) `--calls` times, unprofiled: the
median milliseconds, the SQL statements and the turns of the thread pool per operation. The
writes add to the database, as the load benchmark's do.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import statistics
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import load_mix
import load_setup
from fastapi import FastAPI
from sqlalchemy import event

from ehp_api.core.config import Settings
from ehp_api.main import create_app

ALERT = {
    "kind": "ewrr", "category": "attack_on_civilians", "location": "ML0701",
    "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 3,
    "affected_group": "idps", "affected_people": 120,
    "narrative": "Profile alert: an armed group entered the site at night.",
}  # fmt: skip


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


def _paths(plan: Any, alert_id: int, calls: int, export_calls: int) -> dict[str, list[str]]:
    rng = random.Random(18)
    partners = [org for org, _ in plan.partners]
    return {
        "alerts list (50)": [
            f"/api/v1/alerts?limit=50&location={rng.choice(plan.cercles)}" for _ in range(calls)
        ],
        "export csv": [
            "/api/v1/exports/readings.csv"
            f"?organisation={rng.choice(partners)}&period={rng.choice(plan.quarters[:2])}"
            for _ in range(export_calls)
        ],
        "one alert": [f"/api/v1/alerts/{alert_id}"] * calls,
    }


async def get(app: FastAPI, path: str, secret: str) -> bytes:
    """The body of a GET answered by the app itself (no client, no socket)."""
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"profile"), (b"authorization", f"Bearer {secret}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("profile", 80),
        "state": {},
    }
    body: list[bytes] = []
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    if status != 200:
        raise SystemExit(f"GET {path}: {status} {b''.join(body)[:300]!r}")
    return b"".join(body)


async def _measure(app: FastAPI, label: str, paths: list[str], secret: str, args: Any) -> None:
    for path in paths[:5]:  # warm: the reference data, the statements' caches, the key's use
        await get(app, path, secret)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    plain = []  # unprofiled, for scale only: the machine's load moves these
    for path in paths:
        start = time.perf_counter()
        await get(app, path, secret)
        plain.append(time.perf_counter() - start)
    event.listen(app.state.engine, "before_cursor_execute", count)
    bodies, profile, start = [], cProfile.Profile(), time.perf_counter()
    profile.enable()
    for path in paths:
        bodies.append(await get(app, path, secret))
    profile.disable()
    elapsed = time.perf_counter() - start
    event.remove(app.state.engine, "before_cursor_execute", count)
    stats, n = pstats.Stats(profile), len(paths)
    size = sum(len(b) for b in bodies) / n
    calls = stats.total_calls / n  # type: ignore[attr-defined]
    print(
        f"{label}: {n} requests, {size:,.0f} bytes each: {calls:,.0f} Python calls, "
        f"{statements / n:.1f} SQL statements; {1000 * elapsed / n:.1f} ms a request profiled, "
        f"{1000 * statistics.median(plain):.1f} ms at the median unprofiled"
    )
    if args.save:
        folder = Path(args.save) / label.split(" (")[0].replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(bodies):
            (folder / f"{i:04d}").write_bytes(data)
    if args.dump:
        stats.dump_stats(args.dump)
    if args.top:
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


async def _posted_alert(app: FastAPI, secret: str) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile") as client:
        headers = {"Authorization": f"Bearer {secret}"}
        posted = await client.post("/api/v1/alerts", json=ALERT, headers=headers)
    return int(posted.raise_for_status().json()["id"])


async def _mix(app: FastAPI, plan: Any, calls: int) -> None:
    """Each operation of the load mix in process: time, statements, turns of the thread pool."""
    statements = turns = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    async def counted(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        nonlocal turns
        turns += 1
        return func(*args)

    anyio.to_thread.run_sync = counted  # type: ignore[assignment]
    event.listen(app.state.engine, "before_cursor_execute", count)
    rng = random.Random(18)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile") as client:
        for operation, weight in load_mix.SERVICE_MIX:
            for _ in range(3):  # warm: the reference data, the statements' caches, the key's use
                await operation(client, plan, rng)
            statements = turns = 0
            times, answers = [], 0
            for _ in range(calls):
                start = time.perf_counter()
                results = await operation(client, plan, rng)
                times.append(time.perf_counter() - start)
                answers += len(results)
                if any(r.error for r in results):
                    raise SystemExit(f"{operation.__name__}: {results}")
            print(
                f"{operation.__name__:<16} weight {weight:>3}: "
                f"{1000 * statistics.median(times):6.1f} ms at the median, "
                f"{statements / answers:5.1f} SQL statements and "
                f"{turns / answers:4.1f} turns of the thread pool per request"
            )
    event.remove(app.state.engine, "before_cursor_execute", count)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--export-calls", type=int, default=50)
    parser.add_argument("--only", help="one request's label: 'alerts list (50)', ...")
    parser.add_argument("--top", type=int, default=0, help="print the top N functions")
    parser.add_argument("--dump", help="write the profile (of the last request measured)")
    parser.add_argument("--save", help="write the answers' bodies under this folder")
    parser.add_argument("--alert-id", type=int, help="UNHCR's alert to read (else one posted)")
    parser.add_argument("--mix", action="store_true", help="the load mix's operations instead")
    args = parser.parse_args()
    os.environ.setdefault("EHP_LOG_LEVEL", "warning")
    plan = load_setup.plan_of(args.url)
    hcr = dict(plan.partners)["HCR"]
    app = create_app(Settings(database_url=args.url, environment="test", _env_file=None))
    if args.mix:
        await _mix(app, plan, args.calls)
        app.state.engine.dispose()
        return
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    alert_id = args.alert_id or await _posted_alert(app, hcr)
    for label, paths in _paths(plan, alert_id, args.calls, args.export_calls).items():
        if not args.only or label == args.only:
            await _measure(app, label, paths, hcr if label == "one alert" else plan.analyst, args)
    app.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
