"""POST /api/v1/readings/batch against a plain SQLAlchemy Core write of the same rows.

.venv/bin/python benchmarks/readings_batch.py [--database sqlite|postgresql|both] [--rows 10000]
    [--repeat 3]

A report, not a test: it prints readings per second, the API/plain ratio and the SQL statements
one batch issues; it exits 0 whatever the figures (1 only if the dry run refuses rows).
"""

import argparse
import contextlib
import json
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine, bindparam, create_engine, delete, event, insert, select, text, update
from sqlmodel import Session

from ehp_api import seeds
from ehp_api.access import service as access_service
from ehp_api.access.schemas import ApiKeyCreate
from ehp_api.core import migrate
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal
from ehp_api.indicators.models import MeasureType
from ehp_api.main import create_app
from ehp_api.models import build_engine
from ehp_api.readings import lookups as lookups_module
from ehp_api.readings.models import Reading, ReadingHistory

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BATCH = "/api/v1/readings/batch"
TARGET = 0.5
ORGANISATIONS = 5
TABLE = Reading.__table__  # type: ignore[attr-defined]
UPDATED = ["numerator", "denominator", "comment", "external_ref", "off_schedule", "status"]
UPDATED += ["rejection_reason", "updated_at"]  # the columns the API sets on an update


@contextlib.contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A new, empty database: a temporary SQLite file, or a PostgreSQL database dropped after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ehp-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"ehp_bench_{secrets.token_hex(4)}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def setup(settings: Settings, engine: Engine) -> str:
    """Migrate, seed, and return the secret of a secretariat key (it may post for any org)."""
    migrate.upgrade(settings.database_url)
    with Session(engine) as session, session.begin():
        seeds.load_all(session)
        data = ApiKeyCreate(
            name="benchmark", organisation="OCHA", role=Role.secretariat, expires_in_days=None
        )
        return access_service.create_api_key(session, system_principal(), data).secret


def readings(engine: Engine, count: int, variant: int) -> list[dict[str, Any]]:
    """`count` distinct valid readings; `variant` changes every value but no key."""
    with Session(engine) as session:
        lookups = lookups_module.load(session)
    indicators = [i for i in lookups.indicators.values() if not i.computed_from]
    open_ = [p for p in lookups.periods.values() if p.lock is None]
    quarters = [p for p in open_ if p.kind == "quarter" and lookups.year_of(p) in open_]
    cercles = [loc for loc in lookups.locations.values() if loc.region_id != loc.id]
    organisations = sorted(lookups.organisations)[:ORGANISATIONS]
    keys = list(product(quarters, cercles, organisations, indicators))[:count]
    assert len(keys) == count, f"only {len(keys)} distinct keys available"
    rows = []
    for i, (period, location, organisation, indicator) in enumerate(keys):
        row: dict[str, Any] = {"indicator": indicator.code, "period": period.code}
        row |= {"organisation": organisation, "location": location.pcode}
        if indicator.measure == MeasureType.percentage:
            denominator = 10 + i % 50
            row |= {"numerator": (i + variant) % (denominator + 1), "denominator": denominator}
        elif indicator.measure == MeasureType.boolean:
            row["value"] = (i + variant) % 2 == 0
        else:
            row["value"] = i + variant
        rows.append(row)
    return rows


def body(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"readings": rows}).encode()


@contextlib.contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The app under uvicorn in a background thread, on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def post(client: Any, payload: bytes, expect: str, count: int, dry_run: bool = False) -> float:
    """Seconds for one batch, request to parsed response; checks every row had `expect`."""
    params = {"dry_run": "true"} if dry_run else {}
    headers = {"Content-Type": "application/json"}
    start = time.perf_counter()
    response = client.post(BATCH, content=payload, params=params, headers=headers)
    summary = response.json()
    elapsed = time.perf_counter() - start
    if response.status_code != 200 or summary.get("rejected") or summary[expect] != count:
        print(json.dumps(summary.get("summary", summary), indent=1)[:2000], file=sys.stderr)
        sys.exit(f"batch not fully {expect}: HTTP {response.status_code}")
    return elapsed


def empty_readings(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE reading_history, readings"))
        else:
            connection.execute(delete(ReadingHistory))
            connection.execute(delete(Reading))


def snapshot(engine: Engine) -> list[dict[str, Any]]:
    """What the API stored, column by column (no id), in key order."""
    columns = [c for c in TABLE.c if c.name != "id"]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(TABLE.c.natural_key)).mappings()
        return [dict(row) for row in rows]


def core_write(engine: Engine, created: list[dict[str, Any]], updated: list[dict[str, Any]]):
    """Seconds for a plain Core insert executemany, then a Core update executemany by id."""
    empty_readings(engine)
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(TABLE), created)
    insert_seconds = time.perf_counter() - start
    with engine.connect() as connection:
        ids = connection.execute(select(TABLE.c.id).order_by(TABLE.c.natural_key)).scalars().all()
    pairs = zip(ids, updated, strict=True)
    changes = [{"row_id": i, **{c: u[c] for c in UPDATED}} for i, u in pairs]
    statement = update(TABLE).where(TABLE.c.id == bindparam("row_id"))
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(statement, changes)
    return insert_seconds, time.perf_counter() - start


def timings(settings: Settings, engine: Engine, secret: str, count: int, repeat: int):
    """{operation: ([API seconds], [Core seconds])}, each repetition on an emptied table."""
    first, second = body(readings(engine, count, 0)), body(readings(engine, count, 1))
    result: dict[str, tuple[list[float], list[float]]] = {"create": ([], []), "update": ([], [])}
    headers = {"Authorization": f"Bearer {secret}"}
    with serve(settings) as url, httpx.Client(base_url=url, headers=headers, timeout=600) as client:
        post(client, first, "created", count, dry_run=True)  # all valid, and a warm-up
        for _ in range(repeat):
            empty_readings(engine)
            result["create"][0].append(post(client, first, "created", count))
            created = snapshot(engine)
            result["update"][0].append(post(client, second, "updated", count))
            core = core_write(engine, created, snapshot(engine))
            result["create"][1].append(core[0])
            result["update"][1].append(core[1])
    empty_readings(engine)
    return result


def statements(settings: Settings, engine: Engine, secret: str, sizes: list[int]):
    """{(operation, rows): (cursor executions, rows sent by executemany)} for one batch."""
    with warnings.catch_warnings():  # starlette's notice about httpx in its TestClient
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(settings)
    seen: list[int] = []

    def count(_conn: Any, _cursor: Any, _sql: str, params: Any, _ctx: Any, many: bool) -> None:
        # executemany gets one parameter set per row; an "insertmanyvalues" batch (one multi-row
        # INSERT) gets its parameters flat.
        sets = many and params and isinstance(params[0], dict | list | tuple)
        seen.append(len(params) if sets else 0)

    event.listen(app.state.engine, "before_cursor_execute", count)
    result = {}
    with TestClient(app, headers={"Authorization": f"Bearer {secret}"}) as client:
        for size in sizes:
            empty_readings(engine)
            for variant, (op, expect) in enumerate((("create", "created"), ("update", "updated"))):
                payload = body(readings(engine, size, variant))
                seen.clear()
                post(client, payload, expect, size)
                result[(op, size)] = (len(seen), sum(seen))
    empty_readings(engine)
    return result


def bench(kind: str, count: int, repeat: int) -> list[tuple[Any, ...]]:
    """One line per operation: (database, operation, API rows/s, Core rows/s, statements)."""
    with fresh_database(kind) as url:
        settings = Settings(database_url=url, log_level="warning", _env_file=None)
        engine = build_engine(settings)
        try:
            secret = setup(settings, engine)
            times = timings(settings, engine, secret, count, repeat)
            counts = statements(settings, engine, secret, sorted({min(1000, count), count}))
        finally:
            engine.dispose()
    insert_rate = count / statistics.median(times["create"][1])
    return [
        (
            kind,
            op,
            count / statistics.median(api),
            insert_rate,
            count / statistics.median(core),
            counts,
        )
        for op, (api, core) in times.items()
    ]


def report(lines: list[tuple[Any, ...]], count: int, repeat: int) -> None:
    sizes = sorted({n for *_, counts in lines for _, n in counts})
    print(
        f"\n{count:,} readings per batch, median of {repeat}; "
        f"target: API >= {TARGET} x the plain Core insert rate"
    )
    head = (
        "database",
        "operation",
        "API rows/s",
        "insert rows/s",
        "ratio",
        "",
        "same-op rows/s",
        "ratio",
    )
    stmts = " / ".join(f"{n:,}" for n in sizes)
    print("{:<11}{:<10}{:>11}{:>14}{:>7}  {:<6}{:>15}{:>7}  ".format(*head) + f"SQL @{stmts} rows")
    for kind, op, api_rate, insert_rate, same_rate, counts in lines:
        ratio = api_rate / insert_rate
        verdict = "PASS" if ratio >= TARGET else "FAIL"
        calls = " / ".join(str(counts[(op, n)][0]) for n in sizes)
        print(
            f"{kind:<11}{op:<10}{api_rate:>11,.0f}{insert_rate:>14,.0f}{ratio:>7.2f}  "
            f"{verdict:<6}{same_rate:>15,.0f}{api_rate / same_rate:>7.2f}  {calls}"
        )
    print(
        "insert rows/s: a plain Core insert executemany of the same rows (the target's baseline);"
    )
    print("same-op rows/s: plain Core doing the same operation (insert, or update by id), for")
    print("information. SQL: cursor executions per batch on the app's engine, in-process.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    lines = [line for kind in kinds for line in bench(kind, args.rows, args.repeat)]
    report(lines, args.rows, args.repeat)


if __name__ == "__main__":
    main()
