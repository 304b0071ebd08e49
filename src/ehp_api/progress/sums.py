"""Figures over the spans of a period (`calendar.Spans`), per indicator and organisation: from
the kept figures (`queries.from_kept`: the dashboard, the exports, the values endpoint), or from
figures computed place by place (`from_rows`: the values endpoint grouped by location). Both
give the same `Buckets`, which `combine` turns into values."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ehp_api.progress.calendar import Calendar, Spans
from ehp_api.progress.grain import TOTAL, Part, Row, Slot

Org = int | None  # None: organisations already summed (indicators whose figures add up)
SPANS = ("in_period", "year_to_date", "to_date")  # the fields of `Buckets` that are figures


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


def earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def latest(a: int | None, b: int | None) -> int | None:
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
            buckets.first_true = earliest(buckets.first_true, position)
            buckets.last_true = latest(buckets.last_true, position)
            if row.period in spans.year_to_date:
                buckets.first_true_this_year = earliest(buckets.first_true_this_year, position)
    return found
