"""A fresh PostgreSQL database holding a realistic volume: readings, alerts and complaints.

.venv/bin/python benchmarks/volume.py [--rows 1000000] [--alerts 100000] [--complaints 100000]
    [--keep]

Other benchmarks import it (`benchmarks/` is on `sys.path` when one of its scripts runs):

    from volume import build, drop
    url = build(rows=1_000_000, alerts=100_000, complaints=100_000)
    ...
    drop(url)

Rows go in with PostgreSQL's COPY; every reading passes the service's own checks
(`readings.validation.check`), so the values, keys, zones and schedules are what the API
would store.
"""

import argparse
import json
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from itertools import chain, islice, product
from math import prod
from typing import Any

import volume_records
from sqlalchemy import Engine, create_engine, func, text
from sqlmodel import Session, select

from ehp_api import seeds
from ehp_api.core import migrate
from ehp_api.core.principal import system_principal
from ehp_api.indicators.models import MeasureType
from ehp_api.organisations.models import Organisation, OrganisationKind
from ehp_api.progress import kept as reading_totals
from ehp_api.progress.models import ReadingTotal
from ehp_api.readings import lookups as lookups_module
from ehp_api.readings import validation
from ehp_api.readings.schemas import ReadingIn

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
ORGANISATIONS = 30
AUTHOR = "volume generator"
READING_COLUMNS = (
    "natural_key",
    "indicator_id",
    "period_id",
    "organisation_id",
    "location_id",
    "disaggregation",
    "zone",
    "numerator",
    "denominator",
    "off_schedule",
    "status",
    "rejection_reason",
    "comment",
    "external_ref",
    "created_by",
    "reviewed_by",
    "reviewed_at",
    "created_at",
    "updated_at",
)


def create_database(prefix: str = "ehp_volume") -> str:
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{name}"


def drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def build(
    rows: int = 1_000_000, alerts: int = 100_000, complaints: int = 100_000, *, quiet: bool = False
) -> str:
    """A new database, migrated and seeded, filled with the volume; returns its URL."""
    url = create_database()
    engine = create_engine(url)
    try:
        _timed(quiet, "migrate + seed", _prepare, url, engine)
        _timed(quiet, "readings", copy, engine, "readings", READING_COLUMNS, readings(engine, rows))
        _timed(quiet, "reading totals", build_totals, engine)
        _timed(quiet, "alerts", volume_records.alerts, engine, alerts)
        _timed(quiet, "complaints", volume_records.complaints, engine, complaints)
        _timed(quiet, "vacuum analyze", vacuum, engine)
    except BaseException:
        engine.dispose()
        drop(url)
        raise
    engine.dispose()
    return url


def _timed(quiet: bool, label: str, step: Callable[..., str | None], *args: Any) -> None:
    start = time.perf_counter()
    note = step(*args)
    if not quiet:
        print(f"{label:<16}{time.perf_counter() - start:>8.1f} s  {note or ''}", flush=True)


def _prepare(url: str, engine: Engine) -> None:
    migrate.upgrade(url)
    with Session(engine) as session, session.begin():
        seeds.load_all(session)
        _add_organisations(session)


def _add_organisations(session: Session) -> None:
    """The plan names about twenty actors; the volume has 30 reporting organisations."""
    present = session.exec(select(func.count()).select_from(Organisation)).one()
    for n in range(1, ORGANISATIONS - present + 1):
        session.add(
            Organisation.model_validate(
                {"code": f"VOL-{n:02d}", "name_fr": f"Partenaire {n}", "kind": OrganisationKind.ngo}
            )
        )


def build_totals(engine: Engine) -> str:
    """The readings were copied in, past the service: build the totals it keeps at write time."""
    with Session(engine) as session, session.begin():
        reading_totals.rebuild(session)
        count = session.exec(select(func.count()).select_from(ReadingTotal)).one()
    return f"{count:,} rows in reading_totals"


def vacuum(engine: Engine) -> None:
    """Statistics for the planner, and the visibility map and hint bits set now: else the first
    query to read the fresh rows pays for writing them, and a benchmark's figures with it."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def copy(engine: Engine, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """COPY the rows into the table, streamed: memory stays flat whatever their number."""
    count = 0
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream,
        ):
            for row in rows:
                stream.write_row(row)
                count += 1
    return f"{count:,} rows in {table}"


def keys(engine: Engine) -> tuple[lookups_module.Lookups, list[list[list[Any]]]]:
    """The lookups, and the (period, organisation, indicator, place) keys in order: the 12
    quarters first, then the 3 years (whole-year readings fill the volume past the quarters),
    at the 49 cercles; then the same at the 10 regions, past what the cercles hold (since the
    register's four indicators take no reading, the cercles alone hold fewer than 1,000,000)."""
    with Session(engine) as session:
        lookups = lookups_module.load(session)
    periods = sorted(lookups.periods.values(), key=lambda p: (p.kind != "quarter", p.starts_on))
    indicators = [i for i in lookups.indicators.values() if not i.computed_from]
    places = list(lookups.locations.values())
    cercles = [loc for loc in places if loc.region_id != loc.id]
    regions = [loc for loc in places if loc.region_id == loc.id]
    organisations = sorted(lookups.organisations)
    return lookups, [
        [periods, organisations, indicators, cercles],
        [periods, organisations, indicators, regions],
    ]


def readings(engine: Engine, count: int) -> Iterator[tuple[Any, ...]]:
    lookups, key_sets = keys(engine)
    available = sum(prod(len(axis) for axis in axes) for axes in key_sets)
    if count > available:
        raise SystemExit(f"only {available:,} distinct reading keys; ask for fewer rows")
    principal = system_principal()
    every_key = chain.from_iterable(product(*axes) for axes in key_sets)
    for i, (period, organisation, indicator, place) in enumerate(islice(every_key, count)):
        body = {"indicator": indicator.code, "period": period.code}
        body |= {"organisation": organisation, "location": place.pcode}
        body |= _value(indicator.measure, i)
        if i % 7 == 0:
            body["comment"] = f"volume row {i}: briefing in {place.pcode}"
        prepared = validation.check(lookups, principal, ReadingIn.model_construct(**body), i)
        yield _reading_row(prepared, period.starts_on, i)


def _value(measure: MeasureType, i: int) -> dict[str, Any]:
    if measure == MeasureType.percentage:
        denominator = 5 + i % 40
        return {"numerator": i % (denominator + 1), "denominator": denominator}
    if measure == MeasureType.boolean:
        return {"value": i % 3 == 0}
    return {"value": i % 50}


def _reading_row(prepared: validation.Prepared, starts_on: Any, i: int) -> tuple[Any, ...]:
    """~90% validated, 5% submitted, 5% rejected; posted after the period, reviewed later."""
    values = prepared.values
    status = ("submitted", "rejected")[i % 2] if i % 20 in (0, 1) else "validated"
    posted = datetime.combine(starts_on, day_time(9), UTC) + timedelta(days=95 + i % 20)
    reviewed = posted + timedelta(days=7) if status != "submitted" else None
    row = {
        **values,
        "natural_key": prepared.natural_key,
        "disaggregation": json.dumps(values["disaggregation"]),
        "status": status,
        "rejection_reason": "volume: value to check" if status == "rejected" else None,
        "created_by": AUTHOR,
        "reviewed_by": AUTHOR if reviewed else None,
        "reviewed_at": reviewed,
        "created_at": posted,
        "updated_at": reviewed or posted,
    }
    return tuple(row[c] for c in READING_COLUMNS)


def run_on_volume(description: str, run: Callable[[str, int], None], repeat: int) -> None:
    """A benchmark's command line: build the volume database (or reuse `--url`), `run(url,
    repeat)` on it, drop it unless `--keep` or `--url`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", help="reuse a database built by volume.py --keep")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = args.url or build(rows=args.rows, alerts=args.alerts, complaints=args.complaints)
    try:
        run(url, args.repeat)
    finally:
        if not (args.url or args.keep):
            drop(url)
        elif args.keep:
            print(f"kept: {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database; print its URL")
    args = parser.parse_args()
    start = time.perf_counter()
    url = build(args.rows, args.alerts, args.complaints)
    print(f"{'total':<16}{time.perf_counter() - start:>8.1f} s")
    if args.keep:
        print(f"kept: EHP_DATABASE_URL={url}")
    else:
        drop(url)
        print("dropped (use --keep to keep it)")


if __name__ == "__main__":
    main()
