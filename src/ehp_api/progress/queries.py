"""The kept figures summed over the spans of a period, in a few statements whose cost does not
grow with what the dashboard does not show: the period's and the plan-to-date sums for every
indicator; the first and last validated yes of the yes/no indicators; the year to date only of
the indicators that need it (targets). Each gives the same `sums.Buckets` as `sums.from_rows`."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session

from ehp_api.progress.calendar import Calendar, Spans
from ehp_api.progress.models import ReadingTotal
from ehp_api.progress.sums import Buckets, ByIndicator, earliest, latest

T = ReadingTotal


@dataclass(frozen=True)
class Keys:
    """How rows are grouped: per organisation, except the indicators `summed` (their
    organisation key is None); per zone, except, when `zoned` is given, the others."""

    summed: Collection[int] = ()
    zoned: Collection[int] | None = None

    def columns(self) -> tuple[Any, ...]:
        org: ColumnElement[Any] | InstrumentedAttribute[Any] = T.organisation_id
        if self.summed:
            org = case((T.indicator_id.in_(self.summed), None), else_=T.organisation_id)
        zone: ColumnElement[Any] | InstrumentedAttribute[Any] = T.zone
        if self.zoned is not None:
            zone = case((T.indicator_id.in_(self.zoned), T.zone))
        return T.indicator_id, org, zone, T.category_code, T.option_code


def _within(condition: Any, column: Any) -> Any:
    return func.coalesce(func.sum(case((condition, column), else_=0)), 0)


def from_kept(
    session: Session,
    calendar: Calendar,
    spans: Spans,
    indicator_ids: Collection[int] | None = None,
    keys: Keys = Keys(),
    yes_no: Collection[int] = (),
    year_to_date: Collection[int] = (),
) -> ByIndicator:
    """Buckets of the kept figures. `yes_no`: the indicators whose first and last yes are
    wanted; `year_to_date`: those whose year to date is (the others' stays empty)."""
    found: ByIndicator = defaultdict(dict)
    _period_and_to_date(session, spans, indicator_ids, keys, found)
    if yes_no:
        _yes(session, calendar, spans, yes_no, keys, found)
    if year_to_date:
        _year_to_date(session, spans, year_to_date, keys, found)
    if keys.summed:
        _organisations(session, spans, indicator_ids, keys.summed, found)
    return found


def _period_and_to_date(
    session: Session,
    spans: Spans,
    indicator_ids: Collection[int] | None,
    keys: Keys,
    found: ByIndicator,
) -> None:
    now = T.period_id.in_(spans.in_period)
    denominator = func.coalesce(T.denominator, 0)
    grouped = keys.columns()
    stmt = (
        select(
            *grouped,
            _within(now, T.numerator), _within(now, denominator), _within(now, T.records),
            func.sum(T.numerator), func.sum(denominator), func.sum(T.records),
            _within(now, T.region_overlaps), _within(now, T.excess),
            _within(now, T.from_breakdown),
        )
        .where(T.period_id.in_(spans.to_date))
        .group_by(*grouped)
    )  # fmt: skip
    if indicator_ids is not None:
        stmt = stmt.where(T.indicator_id.in_(indicator_ids))
    for row in session.execute(stmt).all():
        buckets = _buckets(found, row[0], row[1])
        place, slot = row[2], (row[3], row[4])
        buckets.in_period.add(place, slot, row[5:8], row[11:14])
        buckets.to_date.add(place, slot, row[8:11])


def _buckets(found: ByIndicator, indicator: int, org: Any) -> Buckets:
    buckets = found[indicator].get(org)
    if buckets is None:
        buckets = found[indicator][org] = Buckets()
    return buckets


def _yes(
    session: Session,
    calendar: Calendar,
    spans: Spans,
    indicator_ids: Collection[int],
    keys: Keys,
    found: ByIndicator,
) -> None:
    """The first and last period (by `Calendar.position`) with a validated yes."""
    position = case({pid: calendar.position(pid) for pid in calendar.periods}, value=T.period_id)
    this_year = T.period_id.in_(spans.year_to_date)
    org = keys.columns()[1]
    stmt = (
        select(
            T.indicator_id,
            org,
            func.min(position),
            func.min(case((this_year, position))),
            func.max(position),
        )
        .where(
            T.period_id.in_(spans.to_date),
            T.indicator_id.in_(indicator_ids),
            T.category_code == "",
            T.numerator > 0,
        )
        .group_by(T.indicator_id, org)
    )
    for indicator, key, first, first_this_year, last in session.execute(stmt).all():
        buckets = _buckets(found, indicator, key)
        buckets.first_true = earliest(buckets.first_true, first)
        buckets.first_true_this_year = earliest(buckets.first_true_this_year, first_this_year)
        buckets.last_true = latest(buckets.last_true, last)


def _year_to_date(
    session: Session, spans: Spans, indicator_ids: Collection[int], keys: Keys, found: ByIndicator
) -> None:
    denominator = func.coalesce(T.denominator, 0)
    grouped = keys.columns()
    stmt = (
        select(*grouped, func.sum(T.numerator), func.sum(denominator), func.sum(T.records))
        .where(
            T.period_id.in_(spans.year_to_date),
            T.indicator_id.in_(indicator_ids),
        )
        .group_by(*grouped)
    )
    for row in session.execute(stmt).all():
        _buckets(found, row[0], row[1]).year_to_date.add(row[2], (row[3], row[4]), row[5:8])


def _organisations(
    session: Session,
    spans: Spans,
    indicator_ids: Collection[int] | None,
    summed: Collection[int],
    found: ByIndicator,
) -> None:
    """How many organisations the already summed figures of the period rest on."""
    stmt = (
        select(T.indicator_id, func.count(func.distinct(T.organisation_id)))
        .where(T.period_id.in_(spans.in_period), T.indicator_id.in_(summed))
        .group_by(T.indicator_id)
    )
    if indicator_ids is not None:
        stmt = stmt.where(T.indicator_id.in_(indicator_ids))
    for indicator, count in session.execute(stmt).all():
        _buckets(found, indicator, None).organisations = count
