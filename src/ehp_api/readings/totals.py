"""Validated totals kept at write time in `reading_totals`: one row per indicator, period,
organisation and zone.

The dashboard needs every indicator's validated totals for every period up to the one asked.
Summing a million readings for each request costs about a second; the same sums at this grain
are tens of thousands of rows. They are refreshed in the transaction that changes a validated
reading: the rows of each (indicator, organisation, year) touched are recomputed from the
readings themselves, so the table cannot drift the way running increments can.

What counts is what `ehp_api.indicators.values` counts:
- validated readings that are totals (no breakdown, or only a zone);
- a whole-year reading only where the same organisation, location and zone has no validated
  quarterly reading that year (a quarter validated later takes the year reading out).

`refresh` is called by every path that changes a reading's status, value or existence; it is
the last write of its transaction to `readings` (on PostgreSQL it takes an advisory lock per
indicator and organisation, in a fixed order, so concurrent refreshes of one key queue rather
than interleave). `rebuild` recomputes everything (migration, bulk loads, repairs:
`ehp-api db rebuild-totals`).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, delete, func, insert, not_, or_, select, text, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ehp_api import bulk
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.readings import rules
from ehp_api.readings.models import Reading, ReadingStatus, ReadingTotal

Touched = tuple[int, int, int]
"""A reading's (indicator id, organisation id, period id)."""

_GROUPS_PER_STATEMENT = 1000  # (indicator, organisation, year) groups: 5 periods, 3 parameters


def _among(readings: Any, keys: Sequence[Touched] | None) -> list[Any]:
    """SQL: the readings of these (indicator, organisation, period) keys; all when None."""
    if keys is None:
        return []
    columns = (readings.indicator_id, readings.organisation_id, readings.period_id)
    return [tuple_(*columns).in_(keys)]


def _counted(keys: Sequence[Touched] | None) -> Select[Any]:
    """The totals as they should be, for the readings of `keys` (of all readings when None)."""
    period, quarter = aliased(Period), aliased(Period)
    other = aliased(Reading)
    quartered = (
        select(
            other.indicator_id,
            other.organisation_id,
            func.coalesce(other.location_id, 0).label("location"),
            func.coalesce(other.zone, "").label("zone"),
            quarter.year,
        )
        .join(quarter, quarter.id == other.period_id)
        .where(other.status == ReadingStatus.validated, quarter.kind == PeriodKind.quarter)
        .where(*_among(other, keys))
        .distinct()
        .subquery()
    )
    whole_year_counts = not_(
        select(quartered.c.year)
        .where(
            quartered.c.indicator_id == Reading.indicator_id,
            quartered.c.organisation_id == Reading.organisation_id,
            quartered.c.location == func.coalesce(Reading.location_id, 0),
            quartered.c.zone == func.coalesce(Reading.zone, ""),
            quartered.c.year == period.year,
        )
        .exists()
    )
    grain = (Reading.indicator_id, Reading.period_id, Reading.organisation_id, Reading.zone)
    return (
        select(
            *grain,
            func.sum(Reading.numerator),
            func.sum(Reading.denominator),
            func.count(),
        )
        .join(period, period.id == Reading.period_id)
        .where(Reading.status == ReadingStatus.validated, rules.total_clause())
        .where(*_among(Reading, keys))
        .where(or_(period.kind == PeriodKind.quarter, whole_year_counts))
        .group_by(*grain)
    )


_COLUMNS = ("indicator_id", "period_id", "organisation_id", "zone", "numerator")
_COLUMNS += ("denominator", "records")


def _write(session: Session, keys: Sequence[Touched] | None) -> None:
    table = ReadingTotal.__table__  # type: ignore[attr-defined]
    session.execute(insert(table).from_select(list(_COLUMNS), _counted(keys)))


def _groups(session: Session, touched: Iterable[Touched]) -> list[tuple[int, int, list[int]]]:
    """(indicator, organisation, the ids of every period of the touched period's year)."""
    periods = session.execute(select(Period.id, Period.year)).all()
    year_of = dict(periods)
    by_year: dict[int, list[int]] = {}
    for period_id, year in periods:
        by_year.setdefault(year, []).append(period_id)
    wanted = {(i, o, year_of[p]) for i, o, p in touched}
    return [(i, o, by_year[year]) for i, o, year in sorted(wanted)]


def _lock(session: Session, groups: list[tuple[int, int, list[int]]]) -> None:
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
        {"i": [i for i, _ in pairs], "o": [o for _, o in pairs]},
    )


def refresh(session: Session, touched: Iterable[Touched]) -> None:
    """Recompute the totals of every (indicator, organisation, year) a change touched."""
    touched = list(touched)
    if not touched:  # most batches: new readings are submitted, not validated
        return
    groups = _groups(session, touched)
    if not groups:
        return
    session.flush()
    _lock(session, groups)
    for part in bulk.chunks(groups, _GROUPS_PER_STATEMENT):
        keys = [(i, o, p) for i, o, period_ids in part for p in period_ids]
        session.execute(delete(ReadingTotal).where(*_among(ReadingTotal, keys)))
        _write(session, keys)


def rebuild(session: Session) -> None:
    """Recompute every total from the readings."""
    session.execute(delete(ReadingTotal))
    _write(session, None)
