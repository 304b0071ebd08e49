"""The plan's progress for a period: every indicator's value from one aggregate query."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.alerts import indicators as alert_indicators
from ehp_api.complaints import indicators as complaint_indicators
from ehp_api.indicators.models import IndicatorSchedule, MeasureType
from ehp_api.periods.models import Period
from ehp_api.readings.models import ReadingTotal


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


def totals(session: Session, ends_on: date) -> list[Any]:
    """Validated totals of every indicator, per period and zone, for the periods ending by
    `ends_on`: one query over the totals kept at write time (`ehp_api.readings.totals`, which
    also applies the year rule, so a year's readings are not counted twice)."""
    keys = (ReadingTotal.indicator_id, ReadingTotal.period_id, ReadingTotal.zone)
    stmt = (
        select(
            *keys,
            func.sum(ReadingTotal.numerator),
            func.sum(ReadingTotal.denominator),
            func.sum(ReadingTotal.records),
        )
        .join(Period, Period.id == ReadingTotal.period_id)  # type: ignore[arg-type]
        .where(Period.ends_on <= ends_on)
        .group_by(*keys)
    )
    return list(session.exec(stmt).all())


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


def alert_sums(count: alert_indicators.StepCount) -> tuple[Sums, Sums]:
    """An alerts indicator's period and cumulative counts, as `Sums` (known even when zero)."""

    def sums(n: int, liptako: int) -> Sums:
        return Sums(numerator=n, liptako=liptako, true=n > 0, records=max(n, 1))

    return sums(count.period, count.period_liptako_gourma), sums(count.cumulative, 0)


def complaint_sums(
    session: Session, code: str, measure: MeasureType, target: Period, plan_start: date
) -> tuple[Sums, Sums]:
    """A complaints indicator's period and cumulative sums. For the count (3.2.1.5, cases
    referred) the value is the cases referred; for the fraction (3.2.2.2) its two parts."""
    count = measure == MeasureType.count

    def total(starts_on: date) -> Sums:
        value = complaint_indicators.between(session, code, target.code, starts_on, target.ends_on)
        return Sums(
            numerator=value.denominator if count else value.numerator,
            denominator=0 if count else value.denominator,
            records=value.denominator,
        )

    return total(target.starts_on), total(plan_start)
