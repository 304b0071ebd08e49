"""`reading_totals`: each organisation's figures (`grain`), kept in the transaction that changes a
validated value, so that the dashboard reads thousands of rows instead of a million readings.

A change recomputes the rows of every (indicator, organisation, year) it touched from the
readings themselves, so the table cannot drift the way running increments can. The readings
domain announces the changes (`ehp_api.readings.changes`); `subscribe` makes this module the
keeper (the table registry does it for every engine). On PostgreSQL an advisory lock per
indicator and organisation, taken in a fixed order, makes concurrent refreshes of one key
queue rather than interleave. `rebuild` recomputes everything (`ehp-api db rebuild-totals`:
after loading readings with SQL, after an upgrade that changed the rules, or to check).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import delete, insert, or_, select, text, tuple_
from sqlmodel import Session

from ehp_api.core import bulk
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.locations.models import Location
from ehp_api.progress import calendar as calendar_module
from ehp_api.progress import grain
from ehp_api.progress.models import ReadingTotal
from ehp_api.readings import changes
from ehp_api.readings.lookups import ZONE
from ehp_api.readings.models import Reading, ReadingStatus

Group = tuple[int, int, list[int]]  # indicator, organisation, the periods of one year
_GROUPS_PER_STATEMENT = 1000


def subscribe() -> None:
    changes.subscribe(refresh)


def cells(session: Session, where: Sequence[Any]) -> Iterator[tuple[int, grain.Cell]]:
    """(indicator id, cell) of every reading with a validated value matching `where`."""
    stmt = (
        select(
            Reading.indicator_id,
            Reading.organisation_id,
            Reading.period_id,
            Reading.location_id,
            Location.parent_id,
            Reading.zone,
            Reading.disaggregation,
            Reading.validated_numerator,
            Reading.validated_denominator,
            Reading.numerator,
            Reading.denominator,
        )
        .outerjoin(Location, Location.id == Reading.location_id)
        .where(_counted(), *where)
    )
    for row in session.execute(stmt).yield_per(5000):
        indicator, org, period, place, parent, zone, breakdown = row[:7]
        # Readings loaded with SQL, past the service, may be validated without a validated value.
        numerator, denominator = row[7:9] if row[7] is not None else row[9:11]
        others = tuple(sorted((k, v) for k, v in breakdown.items() if k != ZONE))
        region = (parent or place) if place is not None else None
        cell = grain.Cell(org, period, place, region, zone, others, numerator, denominator)
        yield indicator, cell


def _counted() -> Any:
    """The readings with a validated value: validated, or validated and being corrected."""
    validated = Reading.status == ReadingStatus.validated
    return or_(Reading.validated_numerator.is_not(None), validated)


def _write(session: Session, by_indicator: dict[int, list[grain.Cell]]) -> None:
    calendar = calendar_module.load(session)
    measures = dict(session.execute(select(Indicator.id, Indicator.measure)).all())
    rows = [
        {
            "indicator_id": indicator,
            "period_id": r.period,
            "organisation_id": r.organisation,
            "zone": r.zone,
            "category_code": r.category,
            "option_code": r.option,
            "numerator": r.numerator,
            "denominator": r.denominator,
            "records": r.records,
            "region_overlaps": r.overlaps,
            "excess": r.excess,
            "from_breakdown": r.from_breakdown,
        }
        for indicator, found in by_indicator.items()
        for r in grain.rows(found, MeasureType(measures[indicator]), calendar)
    ]
    for part in bulk.chunks(rows):
        session.execute(insert(ReadingTotal), list(part))


def _grouped(found: Iterable[tuple[int, grain.Cell]]) -> dict[int, list[grain.Cell]]:
    by_indicator: dict[int, list[grain.Cell]] = defaultdict(list)
    for indicator, cell in found:
        by_indicator[indicator].append(cell)
    return by_indicator


def _groups(session: Session, touched: Iterable[changes.Touched]) -> list[Group]:
    """(indicator, organisation, the ids of every period of the touched period's year)."""
    calendar = calendar_module.load(session)
    by_year: dict[int, list[int]] = defaultdict(list)
    for period in calendar.periods.values():
        by_year[period.year].append(period.id)
    wanted = {(i, o, calendar.periods[p].year) for i, o, p in touched}
    return [(i, o, sorted(by_year[year])) for i, o, year in sorted(wanted)]


def _lock(session: Session, groups: list[Group]) -> None:
    """PostgreSQL: one transaction at a time refreshes an (indicator, organisation); the locks
    are taken in one order and held to commit. SQLite has one writer at a time already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    pairs = sorted({(i, o) for i, o, _ in groups})
    session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(i, o)) "
            "FROM unnest(CAST(:i AS integer[]), CAST(:o AS integer[])) AS pair(i, o)"
        ),
        # PostgreSQL only: on SQLite (where mutmut runs) a renamed bind parameter goes unseen;
        # on PostgreSQL every validation fails on it.
        {"i": [i for i, _ in pairs], "o": [o for _, o in pairs]},  # pragma: no mutate
    )


def refresh(session: Session, touched: Iterable[changes.Touched]) -> None:
    """Recompute the figures of every (indicator, organisation, year) a change touched."""
    groups = _groups(session, touched)
    if not groups:
        return
    session.flush()
    _lock(session, groups)
    for part in bulk.chunks(groups, _GROUPS_PER_STATEMENT):
        keys = [(i, o, p) for i, o, period_ids in part for p in period_ids]
        columns = (ReadingTotal.indicator_id, ReadingTotal.organisation_id, ReadingTotal.period_id)
        session.execute(delete(ReadingTotal).where(tuple_(*columns).in_(keys)))
        among = tuple_(Reading.indicator_id, Reading.organisation_id, Reading.period_id).in_(keys)
        _write(session, _grouped(cells(session, [among])))


def rebuild(session: Session) -> None:
    """Recompute every kept figure from the readings, one indicator at a time."""
    session.execute(delete(ReadingTotal))
    for indicator in session.execute(select(Indicator.id).order_by(Indicator.id)).scalars():
        _write(session, _grouped(cells(session, [Reading.indicator_id == indicator])))
