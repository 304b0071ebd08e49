"""Everything a batch is checked against, loaded once per request with a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from ehp_api.indicators.models import DisaggregationCategory, Indicator, MeasureType
from ehp_api.locations.models import FocusArea, Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period, PeriodKind, PeriodLock

ZONE = "zone"
LIPTAKO, OTHER = "liptako_gourma", "other"


@dataclass(frozen=True)
class IndicatorInfo:
    id: int
    code: str
    measure: MeasureType
    computed_from: str | None
    categories: dict[str, frozenset[str]]
    planned_period_ids: frozenset[int]


@dataclass(frozen=True)
class PeriodInfo:
    id: int
    code: str
    kind: PeriodKind
    year: int
    starts_on: date
    lock: PeriodLock | None


@dataclass(frozen=True)
class LocationInfo:
    id: int
    pcode: str
    region: str


@dataclass
class Lookups:
    indicators: dict[str, IndicatorInfo]
    periods: dict[str, PeriodInfo]
    locations: dict[str, LocationInfo]
    organisations: dict[str, int]
    liptako_versions: list[tuple[date, frozenset[str]]] = field(default_factory=list)
    quarters_by_year: dict[int, set[int]] = field(default_factory=dict)

    def zone_of(self, location: LocationInfo, on: date) -> str:
        """`liptako_gourma` when the location or its region is in the area on that date."""
        members: frozenset[str] = frozenset()
        for valid_from, pcodes in self.liptako_versions:
            if valid_from <= on:
                members = pcodes
        return LIPTAKO if {location.pcode, location.region} & members else OTHER

    def year_of(self, period: PeriodInfo) -> PeriodInfo | None:
        return self.periods.get(str(period.year)) if period.kind == PeriodKind.quarter else None


def _indicators(session: Session) -> dict[str, IndicatorInfo]:
    categories = {c.id: c for c in session.exec(select(DisaggregationCategory)).all()}
    result = {}
    for indicator in session.exec(select(Indicator)).all():
        result[indicator.code] = IndicatorInfo(
            id=indicator.id or 0,
            code=indicator.code,
            measure=indicator.measure,
            computed_from=indicator.computed_from,
            categories={
                categories[d.category_id].code: frozenset(
                    o.code for o in categories[d.category_id].options
                )
                for d in indicator.disaggregations
            },
            planned_period_ids=frozenset(s.period_id for s in indicator.schedule),
        )
    return result


def _periods(session: Session) -> dict[str, PeriodInfo]:
    return {
        p.code: PeriodInfo(p.id or 0, p.code, p.kind, p.year, p.starts_on, p.lock)
        for p in session.exec(select(Period)).all()
    }


def _locations(session: Session) -> dict[str, LocationInfo]:
    rows = session.exec(select(Location)).all()
    by_id = {loc.id: loc for loc in rows}
    return {
        loc.pcode: LocationInfo(
            loc.id or 0, loc.pcode, by_id[loc.parent_id].pcode if loc.parent_id else loc.pcode
        )
        for loc in rows
    }


def _liptako(session: Session) -> list[tuple[date, frozenset[str]]]:
    area = session.exec(select(FocusArea).where(FocusArea.code == LIPTAKO)).first()
    if area is None:
        return []
    return [(v.valid_from, frozenset(m.location.pcode for m in v.members)) for v in area.versions]


def load(session: Session) -> Lookups:
    periods = _periods(session)
    lookups = Lookups(
        indicators=_indicators(session),
        periods=periods,
        locations=_locations(session),
        organisations=dict(session.exec(select(Organisation.code, Organisation.id)).all()),
        liptako_versions=_liptako(session),
    )
    for period in periods.values():
        if period.kind == PeriodKind.quarter:
            lookups.quarters_by_year.setdefault(period.year, set()).add(period.id)
    return lookups
