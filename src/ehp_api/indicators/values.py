"""An indicator's values over periods, from validated readings or, for computed indicators,
from the service's own records.

Aggregation rules (also in the API documentation):
- count: the sum over organisations and locations; the Liptako Gourma share is the zone's sum
  over the total.
- percentage: the sum of numerators over the sum of denominators, never an average of percentages.
- boolean: achieved once any validated reading says true, and from then on (cumulative);
  `achieved_in` is the first period with a true reading.
- A year aggregates its quarters with the same rules. A reading posted for the whole year counts
  only for an organisation, location and zone that posted no quarterly reading that year, so
  nothing is counted twice.
- Only totals are summed (readings with no breakdown, or only a zone): readings broken down by
  another category (participant type, outcome...) would count the same people twice.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.alerts import indicators as alert_indicators
from ehp_api.complaints import indicators as complaint_indicators
from ehp_api.errors import InvalidInput, InvalidParam
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.locations.models import Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.readings import rules
from ehp_api.readings.models import Reading, ReadingStatus

GroupBy = Literal["period", "zone", "organisation", "location"]
RULES = __doc__.split("Aggregation rules (also in the API documentation):\n", 1)[1].strip()


class ValuePoint(BaseModel):
    period: str = Field(description="Quarter or year.")
    group: str | None = Field(None, description="The zone, organisation or P-code grouped by.")
    value: float | int | bool | None = Field(description="Count, percentage (0-100) or achieved.")
    numerator: int | None = Field(None, description="Percentage: summed numerators.")
    denominator: int | None = Field(None, description="Percentage: summed denominators.")
    liptako_gourma_share: float | None = Field(
        None, description="Part (0-100) of the value in Liptako Gourma, where the indicator asks."
    )
    records: int = Field(description="How many readings (or records) the value rests on.")
    organisations: int | None = Field(
        None, description="How many organisations reported them (where the source says)."
    )
    achieved_in: str | None = Field(None, description="Boolean: first period it became true.")


class IndicatorValues(BaseModel):
    indicator: str = Field(description="Indicator code.")
    measure: MeasureType = Field(description="Measure type.")
    source: Literal["manual", "computed"] = Field(description="Readings or the service's records.")
    computed_from: str | None = Field(None, description="What a computed indicator counts.")
    group_by: GroupBy = Field(description="How the values are grouped.")
    rules: str = Field(description="The aggregation rules applied.")
    values: list[ValuePoint] = Field(description="One point per period (and group).")


@dataclass
class _Cell:
    numerator: int = 0
    denominator: int = 0
    true: bool = False
    records: int = 0
    organisations: set[int] = field(default_factory=set)

    def add(self, numerator: int, denominator: int | None, count: int, organisation: int) -> None:
        self.numerator += numerator
        self.denominator += denominator or 0
        self.true = self.true or numerator > 0
        self.records += count
        self.organisations.add(organisation)


def _rows(session: Session, indicator: Indicator, period_ids: list[int]) -> list[Any]:
    """Validated totals summed per period, organisation, location and zone: one query."""
    keys = (Reading.period_id, Reading.organisation_id, Reading.location_id, Reading.zone)
    stmt = (
        select(*keys, func.sum(Reading.numerator), func.sum(Reading.denominator), func.count())
        .where(
            Reading.indicator_id == indicator.id,
            Reading.status == ReadingStatus.validated,
            Reading.period_id.in_(period_ids),
            rules.total_clause(),
        )  # type: ignore[attr-defined]
        .group_by(*keys)
    )
    return list(session.exec(stmt).all())


def series(session: Session, first: str, last: str) -> list[Period]:
    """The periods from `first` to `last`, both quarters or both years."""
    found = {p.code: p for p in session.exec(select(Period).where(Period.code.in_([first, last])))}  # type: ignore[attr-defined]
    for name, code in (("from", first), ("to", last)):
        if code not in found:
            raise _invalid(name, f"no period {code!r} in the plan", "unknown_period")
    if found[first].kind != found[last].kind:
        raise _invalid("to", "give two quarters or two years", "mixed_periods")
    if found[first].starts_on > found[last].starts_on:
        raise _invalid("to", "must not be before `from`", "reversed_periods")
    stmt = select(Period).where(
        Period.kind == found[first].kind,
        Period.starts_on >= found[first].starts_on,
        Period.starts_on <= found[last].starts_on,
    )
    return list(session.exec(stmt.order_by(Period.starts_on)).all())  # type: ignore[arg-type]


def _invalid(field: str, reason: str, code: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: {reason}",
        errors=[InvalidParam(location="query", field=field, reason=reason, code=code)],
    )


def _targets(session: Session, periods: list[Period]) -> tuple[dict[int, str], set[int]]:
    """Reading period id -> series period code; and the ids of whole-year readings."""
    targets = {p.id or 0: p.code for p in periods}
    if periods and periods[0].kind == PeriodKind.year:
        years = {p.year: p.code for p in periods}
        quarters = session.exec(
            select(Period).where(Period.kind == PeriodKind.quarter, Period.year.in_(years))
        ).all()  # type: ignore[attr-defined]
        targets |= {q.id or 0: years[q.year] for q in quarters}
        return targets, {p.id or 0 for p in periods}
    return targets, set()


def _group_of(group_by: GroupBy, row: Any, names: dict[str, dict[int, str]]) -> str | None:
    if group_by == "zone":
        return row.zone
    if group_by == "organisation":
        return names["organisations"][row.organisation_id]
    if group_by == "location":
        return names["locations"].get(row.location_id)
    return None


def _cells(
    session: Session, indicator: Indicator, periods: list[Period], group_by: GroupBy
) -> dict[tuple[str, str | None], dict[str | None, _Cell]]:
    """(period, group) -> zone -> summed cell, applying the year rule."""
    targets, year_ids = _targets(session, periods)
    rows = _rows(session, indicator, list(targets))
    quarterly = {
        (targets[r.period_id], r.organisation_id, r.location_id, r.zone)
        for r in rows
        if r.period_id not in year_ids
    }
    names = {
        "organisations": dict(session.exec(select(Organisation.id, Organisation.code)).all()),
        "locations": dict(session.exec(select(Location.id, Location.pcode)).all()),
    }
    cells: dict[tuple[str, str | None], dict[str | None, _Cell]] = defaultdict(
        lambda: defaultdict(_Cell)
    )
    for r in rows:
        period = targets[r.period_id]
        if (
            r.period_id in year_ids
            and (period, r.organisation_id, r.location_id, r.zone) in quarterly
        ):
            continue
        cells[(period, _group_of(group_by, r, names))][r.zone].add(
            r[4], r[5], r[6], r.organisation_id
        )
    return cells


def _point(
    indicator: Indicator,
    period: str,
    group: str | None,
    zones: dict[str | None, _Cell],
    achieved_in: str | None,
    share: bool,
) -> ValuePoint:
    total = _Cell()
    for cell in zones.values():
        total.numerator += cell.numerator
        total.denominator += cell.denominator
        total.records += cell.records
        total.organisations |= cell.organisations
    if indicator.measure == MeasureType.boolean:
        value: Any = True if achieved_in else (False if total.records else None)
    elif indicator.measure == MeasureType.percentage:
        value = round(100 * total.numerator / total.denominator, 2) if total.denominator else None
    else:
        value = total.numerator if total.records else None
    liptako = zones.get("liptako_gourma", _Cell()).numerator
    return ValuePoint(
        period=period,
        group=group,
        value=value,
        numerator=total.numerator if indicator.measure == MeasureType.percentage else None,
        denominator=total.denominator if indicator.measure == MeasureType.percentage else None,
        liptako_gourma_share=round(100 * liptako / total.numerator, 2)
        if share and total.numerator
        else None,
        records=total.records,
        organisations=len(total.organisations),
        achieved_in=achieved_in,
    )


def manual(
    session: Session, indicator: Indicator, periods: list[Period], group_by: GroupBy
) -> list[ValuePoint]:
    cells = _cells(session, indicator, periods, group_by)
    groups = sorted({g for _, g in cells}, key=lambda g: g or "") or [None]
    share = any(d.category.code == "zone" for d in indicator.disaggregations) and group_by != "zone"
    points = []
    for group in groups:
        achieved_in = None
        for period in periods:
            zones = cells.get((period.code, group), {})
            if achieved_in is None and any(c.true for c in zones.values()):
                achieved_in = period.code
            points.append(_point(indicator, period.code, group, zones, achieved_in, share))
    return points


def _alert_counts(
    session: Session, code: str, periods: list[Period], group_by: GroupBy
) -> list[ValuePoint]:
    buckets = [(p.code, p.starts_on, p.ends_on) for p in periods]
    points = []
    for c in alert_indicators.counts(session, code, buckets):
        share = round(100 * c.liptako_gourma / c.count, 2) if c.count else None
        if group_by == "zone":
            points += [
                ValuePoint(
                    period=c.period,
                    group="liptako_gourma",
                    value=c.liptako_gourma,
                    records=c.liptako_gourma,
                    organisations=c.organisations,
                ),
                ValuePoint(
                    period=c.period,
                    group="other",
                    value=c.count - c.liptako_gourma,
                    records=c.count - c.liptako_gourma,
                    organisations=c.organisations,
                ),
            ]
        else:
            points.append(
                ValuePoint(
                    period=c.period,
                    value=c.count,
                    liptako_gourma_share=share,
                    records=c.count,
                    organisations=c.organisations,
                )
            )
    return points


def _complaint_values(
    session: Session, indicator: Indicator, periods: list[Period]
) -> list[ValuePoint]:
    fraction = indicator.measure == MeasureType.percentage
    return [
        ValuePoint(
            period=v.period,
            value=v.value,
            numerator=v.numerator if fraction else None,
            denominator=v.denominator if fraction else None,
            records=v.denominator,
        )
        for v in complaint_indicators.values(session, indicator.code, [p.code for p in periods])
    ]


def values(
    session: Session, indicator: Indicator, first: str, last: str, group_by: GroupBy
) -> IndicatorValues:
    periods = series(session, first, last)
    if indicator.computed_from is None:
        points = manual(session, indicator, periods, group_by)
    elif group_by not in ("period", "zone"):
        raise _invalid("group_by", "a computed indicator groups by period or zone", "unsupported")
    elif indicator.code in alert_indicators.COMPUTED:
        points = _alert_counts(session, indicator.code, periods, group_by)
    elif indicator.code in complaint_indicators.COMPUTED and group_by == "period":
        points = _complaint_values(session, indicator, periods)
    elif indicator.code in complaint_indicators.COMPUTED:
        raise _invalid("group_by", "complaint indicators group by period only", "unsupported")
    else:
        raise _invalid("indicator", "its records are not yet held by this service", "not_available")
    return IndicatorValues(
        indicator=indicator.code,
        measure=indicator.measure,
        source="computed" if indicator.computed_from else "manual",
        computed_from=indicator.computed_from,
        group_by=group_by,
        rules=RULES,
        values=points,
    )
