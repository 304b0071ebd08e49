"""The periods of the plan, and which of them a figure for a period covers."""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlmodel import Session

from ehp_api.core.db import select_row
from ehp_api.periods.models import Period, PeriodKind


@dataclass(frozen=True)
class PeriodInfo:
    id: int
    code: str
    kind: PeriodKind
    year: int
    starts_on: date
    ends_on: date

    @property
    def is_year(self) -> bool:
        return self.kind == PeriodKind.year


@dataclass(frozen=True)
class Spans:
    """The periods (as readings are posted: quarters, whole years) a figure for `target` covers.

    - `in_period`: the target; a year is its quarters with its whole-year readings.
    - `year_to_date`: the target's year up to its end (the whole-year readings only for the year
      itself: a year is not over at the end of its second quarter). Targets are met against it.
    - `to_date`: from the start of the plan to the end of the target, on the same terms.
    """

    target: PeriodInfo
    in_period: frozenset[int]
    year_to_date: frozenset[int]
    to_date: frozenset[int]


@dataclass(frozen=True)
class Calendar:
    periods: dict[int, PeriodInfo]

    def by_code(self, code: str) -> PeriodInfo:
        return next(p for p in self.periods.values() if p.code == code)

    def year_of(self, period: PeriodInfo) -> PeriodInfo:
        return self.by_code(str(period.year))

    def position(self, period_id: int) -> int:
        """Chronological rank: by last day, a quarter before the year that ends with it."""
        return self._order[period_id]

    def at(self, position: int | None) -> str | None:
        if position is None:
            return None
        return next(self.periods[i].code for i, rank in self._order.items() if rank == position)

    @cached_property
    def _order(self) -> dict[int, int]:
        ranked = sorted(self.periods.values(), key=lambda p: (p.ends_on, p.is_year))
        return {p.id: rank for rank, p in enumerate(ranked)}

    def spans(self, target: PeriodInfo) -> Spans:
        quarters = [p for p in self.periods.values() if not p.is_year]
        years = [p for p in self.periods.values() if p.is_year]
        ended = {q.id for q in quarters if q.ends_on <= target.ends_on}
        this_year = {q.id for q in quarters if q.year == target.year} & ended
        if target.is_year:
            whole = {target.id}
            past_years = {y.id for y in years if y.year <= target.year}
        else:
            whole, past_years = set(), {y.id for y in years if y.year < target.year}
        in_period = (this_year | whole) if target.is_year else {target.id}
        return Spans(
            target=target,
            in_period=frozenset(in_period),
            year_to_date=frozenset(this_year | whole),
            to_date=frozenset(ended | past_years),
        )


def load(session: Session) -> Calendar:
    columns = select_row(
        Period.id, Period.code, Period.kind, Period.year, Period.starts_on, Period.ends_on
    )
    return Calendar({row[0]: PeriodInfo(*row) for row in session.exec(columns).all()})
