"""Figures over the spans of a period (`calendar.Spans`), per indicator and organisation: from
the kept figures in one SQL statement (the dashboard, the exports, the values endpoint), or
from figures computed place by place (the values endpoint grouped by location). Both give the
same `Buckets`, which `combine` turns into values."""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from ehp_api.progress.calendar import Calendar, Spans
from ehp_api.progress.grain import TOTAL, Part, Row, Slot
from ehp_api.progress.models import ReadingTotal

Org = int | None  # None: organisations already summed (indicators whose figures add up)


@dataclass
class Figure:
    """Sums over one span: the total, its zones, its options, and the rules' flags."""

    numerator: int = 0
    denominator: int = 0
    records: int = 0
    zones: dict[str | None, Part] = field(default_factory=dict)
    options: dict[Slot, Part] = field(default_factory=dict)
    overlaps: int = 0
    excess: int = 0
    from_breakdown: int = 0

    def add(
        self,
        zone: str | None,
        slot: Slot,
        sums: tuple[int, int, int],
        flags: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """Add (numerator, denominator, records) to the total and its zone, or to an option.
        In place: the dashboard adds thousands of rows per request."""
        numerator, denominator, records = sums
        if slot != TOTAL:
            _grow(self.options, slot, numerator, denominator, records)
            return
        self.numerator += numerator
        self.denominator += denominator
        self.records += records
        _grow(self.zones, zone, numerator, denominator, records)
        self.overlaps += flags[0]
        self.excess += flags[1]
        self.from_breakdown += flags[2]


def _grow(parts: dict[Any, Part], key: Any, numerator: int, denominator: int, records: int) -> None:
    part = parts.get(key)
    if part is None:
        parts[key] = Part(numerator, denominator, records)
        return
    part.numerator += numerator
    part.denominator += denominator
    part.records += records


@dataclass
class Buckets:
    """One organisation's figures for a period: in it, its year to date, the plan to date;
    the positions (`Calendar.position`) of its first and last validated yes."""

    in_period: Figure = field(default_factory=Figure)
    year_to_date: Figure = field(default_factory=Figure)
    to_date: Figure = field(default_factory=Figure)
    first_true: int | None = None
    first_true_this_year: int | None = None
    last_true: int | None = None
    organisations: int = 0  # organisations in the period, when already summed (key None)


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


ByIndicator = dict[int, dict[Org, Buckets]]


def from_rows(
    rows: Iterable[tuple[int, Org, Row]], calendar: Calendar, spans: Spans
) -> ByIndicator:
    """The buckets of figures computed in Python, `(indicator, organisation key, row)`."""
    found: ByIndicator = defaultdict(dict)
    for indicator, org, row in rows:
        if row.period not in spans.to_date:
            continue
        buckets = found[indicator].setdefault(org, Buckets())
        slot = (row.category, row.option)
        sums = (row.numerator, row.denominator or 0, row.records)
        flags = (row.overlaps, row.excess, row.from_breakdown)
        buckets.to_date.add(row.zone, slot, sums, flags)
        if row.period in spans.year_to_date:
            buckets.year_to_date.add(row.zone, slot, sums, flags)
        if row.period in spans.in_period:
            buckets.in_period.add(row.zone, slot, sums, flags)
        if slot == TOTAL and row.numerator > 0:
            position = calendar.position(row.period)
            buckets.first_true = _earliest(buckets.first_true, position)
            buckets.last_true = _latest(buckets.last_true, position)
            if row.period in spans.year_to_date:
                buckets.first_true_this_year = _earliest(buckets.first_true_this_year, position)
    return found


def from_kept(
    session: Session,
    calendar: Calendar,
    spans: Spans,
    indicator_ids: Collection[int] | None = None,
    summed: Collection[int] = (),
    zoned: Collection[int] | None = None,
) -> ByIndicator:
    """The buckets of the kept figures, in one statement. Indicators in `summed` come already
    added across organisations (their organisation key is None), and when `zoned` is given the
    others' zones together (zone None): fewer rows for the dashboard, the same sums."""
    t = ReadingTotal
    position = case({pid: calendar.position(pid) for pid in calendar.periods}, value=t.period_id)
    in_period, this_year = t.period_id.in_(spans.in_period), t.period_id.in_(spans.year_to_date)  # type: ignore[attr-defined]
    org = (
        case((t.indicator_id.in_(summed), None), else_=t.organisation_id)
        if summed
        else t.organisation_id
    )  # type: ignore[attr-defined]
    zone = t.zone if zoned is None else case((t.indicator_id.in_(zoned), t.zone))  # type: ignore[attr-defined]
    denominator, positive = func.coalesce(t.denominator, 0), t.numerator > 0
    total = and_(positive, t.category_code == "")

    def within(condition: Any, column: Any) -> Any:
        return func.coalesce(func.sum(case((condition, column), else_=0)), 0)

    stmt = (
        select(
            t.indicator_id, org, zone, t.category_code, t.option_code,
            within(in_period, t.numerator), within(in_period, denominator),
            within(in_period, t.records),
            within(this_year, t.numerator), within(this_year, denominator),
            within(this_year, t.records),
            func.sum(t.numerator), func.sum(denominator), func.sum(t.records),
            func.min(case((total, position))), func.min(case((and_(total, this_year), position))),
            func.max(case((total, position))),
            within(in_period, t.region_overlaps), within(in_period, t.excess),
            within(in_period, t.from_breakdown),
        )
        .where(t.period_id.in_(spans.to_date))  # type: ignore[attr-defined]
        .group_by(t.indicator_id, org, zone, t.category_code, t.option_code)
    )  # fmt: skip
    if indicator_ids is not None:
        stmt = stmt.where(t.indicator_id.in_(indicator_ids))  # type: ignore[attr-defined]
    found: ByIndicator = defaultdict(dict)
    for row in session.execute(stmt).all():
        buckets = found[row[0]].get(row[1])
        if buckets is None:
            buckets = found[row[0]][row[1]] = Buckets()
        place, slot = row[2], (row[3], row[4])
        buckets.in_period.add(place, slot, row[5:8], row[17:20])  # type: ignore[arg-type]
        buckets.year_to_date.add(place, slot, row[8:11])  # type: ignore[arg-type]
        buckets.to_date.add(place, slot, row[11:14])  # type: ignore[arg-type]
        if row[14] is not None:
            buckets.first_true = _earliest(buckets.first_true, row[14])
            buckets.first_true_this_year = _earliest(buckets.first_true_this_year, row[15])
            buckets.last_true = _latest(buckets.last_true, row[16])
    if summed:
        for indicator, count in _organisations(session, spans, summed, indicator_ids):
            found[indicator][None].organisations = count
    return found


def _organisations(
    session: Session, spans: Spans, summed: Collection[int], indicator_ids: Collection[int] | None
) -> list[Any]:
    """How many organisations the already summed figures of the period rest on."""
    t = ReadingTotal
    stmt = (
        select(t.indicator_id, func.count(func.distinct(t.organisation_id)))
        .where(t.period_id.in_(spans.in_period), t.indicator_id.in_(summed))  # type: ignore[attr-defined]
        .group_by(t.indicator_id)
    )
    if indicator_ids is not None:
        stmt = stmt.where(t.indicator_id.in_(indicator_ids))  # type: ignore[attr-defined]
    return list(session.execute(stmt).all())


def regroup(by_org: dict[Org, Buckets], key: Callable[[Org], Any]) -> dict[Any, dict[Org, Buckets]]:
    """The organisations' buckets split by `key` (grouping by organisation)."""
    groups: dict[Any, dict[Org, Buckets]] = defaultdict(dict)
    for org, buckets in by_org.items():
        groups[key(org)][org] = buckets
    return groups
