"""The plan's progress for a period: every indicator's value from one aggregate query."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, func, not_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ehp_api.alerts import indicators as alert_indicators
from ehp_api.complaints import indicators as complaint_indicators
from ehp_api.indicators.models import Indicator, IndicatorSchedule, MeasureType
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.readings import rules
from ehp_api.readings.models import Reading, ReadingStatus


@dataclass
class Sums:
    numerator: int = 0
    denominator: int = 0
    liptako: int = 0
    true: bool = False
    records: int = 0

    def add(self, zone: str | None, numerator: int, denominator: int | None, records: int) -> None:
        self.numerator += numerator
        self.denominator += denominator or 0
        self.liptako += numerator if zone == "liptako_gourma" else 0
        self.true = self.true or numerator > 0
        self.records += records

    def value(self, measure: MeasureType) -> Any:
        if not self.records:
            return None
        if measure == MeasureType.percentage:
            return round(100 * self.numerator / self.denominator, 2) if self.denominator else None
        if measure == MeasureType.boolean:
            return self.true
        return self.numerator

    def liptako_share(self) -> float | None:
        return round(100 * self.liptako / self.numerator, 2) if self.numerator else None


def _summed(stmt: Any) -> Any:
    return stmt.group_by(Reading.indicator_id, Reading.period_id, Reading.zone)


def totals(session: Session, ends_on: date) -> list[Any]:
    """Validated totals of every indicator, per period and zone, for periods ending by `ends_on`.
    A whole-year reading is left out where the same organisation, place and zone posted quarters
    that year (the rule of the values endpoint), so nothing is counted twice. One query for the
    quarters' plain aggregate, then one per year that ended, whose quarters are given as ids so
    that the check probes them by period instead of joining every reading."""
    columns = (
        Reading.indicator_id,
        Reading.period_id,
        Reading.zone,
        func.sum(Reading.numerator),
        func.sum(Reading.denominator),
        func.count(),
    )
    valid = (Reading.status == ReadingStatus.validated, rules.total_clause())
    periods = session.exec(select(Period).where(Period.ends_on <= ends_on)).all()
    quarter_ids = [p.id for p in periods if p.kind == PeriodKind.quarter]
    rows = list(
        session.exec(
            _summed(
                select(*columns).where(*valid, Reading.period_id.in_(quarter_ids))  # type: ignore[union-attr]
            )
        ).all()
    )
    other = aliased(Reading)
    for year in (p for p in periods if p.kind == PeriodKind.year):
        of_year = [p.id for p in periods if p.kind == PeriodKind.quarter and p.year == year.year]
        has_quarters = exists().where(
            other.period_id.in_(of_year),  # type: ignore[union-attr]
            other.indicator_id == Reading.indicator_id,
            other.organisation_id == Reading.organisation_id,
            other.location_id.is_not_distinct_from(Reading.location_id),  # type: ignore[union-attr]
            other.zone.is_not_distinct_from(Reading.zone),  # type: ignore[union-attr]
            other.status == ReadingStatus.validated,
        )
        stmt = select(*columns).where(*valid, Reading.period_id == year.id, not_(has_quarters))
        rows.extend(session.exec(_summed(stmt)).all())
    return rows


def planned_ids(session: Session, quarter_ids: list[int]) -> set[int]:
    stmt = (
        select(IndicatorSchedule.indicator_id)
        .where(IndicatorSchedule.period_id.in_(quarter_ids))
        .distinct()
    )  # type: ignore[attr-defined]
    return set(session.exec(stmt).all())


def sums(rows: list[Any], period_ids: set[int]) -> tuple[dict[int, Sums], dict[int, Sums]]:
    """Per indicator: the period's sums and the cumulative sums."""
    period: dict[int, Sums] = defaultdict(Sums)
    cumulative: dict[int, Sums] = defaultdict(Sums)
    for indicator_id, period_id, zone, numerator, denominator, records in rows:
        cumulative[indicator_id].add(zone, numerator, denominator, records)
        if period_id in period_ids:
            period[indicator_id].add(zone, numerator, denominator, records)
    return period, cumulative


def computed(
    session: Session, indicator: Indicator, target: Period, plan_start: date
) -> tuple[Sums, Sums]:
    """A computed indicator's period and cumulative counts, as `Sums`."""
    result = []
    for starts_on in (target.starts_on, plan_start):
        [count] = alert_indicators.counts(
            session, indicator.code, [("p", starts_on, target.ends_on)]
        )
        result.append(
            Sums(
                numerator=count.count,
                liptako=count.liptako_gourma,
                true=count.count > 0,
                records=max(count.count, 1),
            )
        )
    return result[0], result[1]


def complaint_sums(
    session: Session, indicator: Indicator, quarters: list[str], target: str
) -> tuple[Sums, Sums]:
    """A complaints indicator's period and cumulative sums. For the count (3.2.1.5, cases
    referred) the value is the cases referred; for the fraction (3.2.2.2) its two parts."""
    count = indicator.measure == MeasureType.count

    def total(codes: list[str]) -> Sums:
        sums = Sums()
        for value in complaint_indicators.values(session, indicator.code, codes):
            sums.numerator += value.denominator if count else value.numerator
            sums.denominator += 0 if count else value.denominator
            sums.records += value.denominator
        return sums

    return total([target]), total(quarters)
