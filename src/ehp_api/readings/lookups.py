"""Everything a batch is checked against: the reference data as plain values, read with a fixed
number of queries once per version of the reference data and kept by the worker (`load`), so a
single reading costs no reference reads. Every field is immutable or never changed by a caller:
one `Lookups` serves every request of the worker until a plan, place, period or lock changes."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from ehp_api.core.db import select_row
from ehp_api.indicators.models import (
    DisaggregationCategory,
    DisaggregationOption,
    Indicator,
    IndicatorDisaggregation,
    IndicatorSchedule,
    MeasureType,
)
from ehp_api.locations import service as locations_service
from ehp_api.locations.models import LIPTAKO, OTHER, Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period, PeriodKind, PeriodLock
from ehp_api.web import reference

ZONE = "zone"


@dataclass(frozen=True)
class IndicatorInfo:
    id: int
    code: str
    measure: MeasureType
    computed_from: str | None
    categories: dict[str, frozenset[str]]
    planned_period_ids: frozenset[int]


@dataclass(frozen=True)
class LockInfo:
    """A period's lock as read: plain values, usable after the transaction that read them."""

    locked_at: datetime
    locked_by: str
    reason: str | None


@dataclass(frozen=True)
class PeriodInfo:
    id: int
    code: str
    kind: PeriodKind
    year: int
    starts_on: date
    lock: LockInfo | None


@dataclass(frozen=True)
class LocationInfo:
    id: int
    pcode: str
    region_id: int  # its region's, or its own for a region


@dataclass
class Lookups:
    indicators: dict[str, IndicatorInfo]
    periods: dict[str, PeriodInfo]
    locations: dict[str, LocationInfo]
    organisations: dict[str, int]
    liptako_versions: list[tuple[date, frozenset[int]]] = field(default_factory=list)
    quarters_by_year: dict[int, set[int]] = field(default_factory=dict)

    def zone_of(self, location: LocationInfo, on: date) -> str:
        """`liptako_gourma` when the location or its region is in the area on that date."""
        inside = locations_service.in_area(
            self.liptako_versions, on, location.id, location.region_id
        )
        return LIPTAKO if inside else OTHER

    def year_of(self, period: PeriodInfo) -> PeriodInfo | None:
        return self.periods.get(str(period.year)) if period.kind == PeriodKind.quarter else None


# Plain columns, not entities: the entities would bring their eager-loaded relations (an
# indicator its activity, objective, axis, breakdowns and schedule), thousands of objects built
# on every request for a few hundred codes.


def _indicators(session: Session) -> dict[str, IndicatorInfo]:
    options: dict[int, set[str]] = {}
    for category_id, code in session.exec(
        select(DisaggregationOption.category_id, DisaggregationOption.code)
    ).all():
        options.setdefault(category_id, set()).add(code)
    categories: dict[int, dict[str, frozenset[str]]] = {}
    breakdowns = select(
        IndicatorDisaggregation.indicator_id,
        DisaggregationCategory.code,
        DisaggregationCategory.id,
    ).join(
        DisaggregationCategory,
        DisaggregationCategory.id == IndicatorDisaggregation.category_id,
    )
    for indicator_id, code, category_id in session.exec(breakdowns).all():
        categories.setdefault(indicator_id, {})[code] = frozenset(options.get(category_id, ()))
    planned: dict[int, set[int]] = {}
    for indicator_id, period_id in session.exec(
        select(IndicatorSchedule.indicator_id, IndicatorSchedule.period_id)
    ).all():
        planned.setdefault(indicator_id, set()).add(period_id)
    columns = select(Indicator.id, Indicator.code, Indicator.measure, Indicator.computed_from)
    return {
        code: IndicatorInfo(
            id=indicator_id,
            code=code,
            measure=measure,
            computed_from=computed_from,
            categories=categories.get(indicator_id, {}),
            planned_period_ids=frozenset(planned.get(indicator_id, ())),
        )
        for indicator_id, code, measure, computed_from in session.exec(columns).all()
    }


def _periods(session: Session) -> dict[str, PeriodInfo]:
    locks = {
        period_id: LockInfo(locked_at, locked_by, reason)
        for period_id, locked_at, locked_by, reason in session.exec(
            select_row(
                PeriodLock.period_id, PeriodLock.locked_at, PeriodLock.locked_by, PeriodLock.reason
            )
        ).all()
    }
    columns = select_row(Period.id, Period.code, Period.kind, Period.year, Period.starts_on)
    return {
        code: PeriodInfo(period_id, code, kind, year, starts_on, locks.get(period_id))
        for period_id, code, kind, year, starts_on in session.exec(columns).all()
    }


def _locations(session: Session) -> dict[str, LocationInfo]:
    rows = session.exec(select(Location.id, Location.pcode, Location.parent_id)).all()
    return {
        pcode: LocationInfo(location_id, pcode, parent_id or location_id)
        for location_id, pcode, parent_id in rows
    }


def load(session: Session) -> Lookups:
    """The lookups of the reference data's version that `session` sees, built once per version
    by this worker. After `periods.service.share` (as a write does), that version is read anew:
    at least as new as every lock committed before the share; a lock taken later waits."""
    return reference.memo(session, "readings.lookups", lambda: read(session))


def read(session: Session) -> Lookups:
    """The lookups, read now: five statements, and the areas' versions `locations.service` keeps."""
    periods = _periods(session)
    lookups = Lookups(
        indicators=_indicators(session),
        periods=periods,
        locations=_locations(session),
        organisations=dict(session.exec(select(Organisation.code, Organisation.id)).all()),
        liptako_versions=locations_service.area_versions(session).get(LIPTAKO, []),
    )
    for period in periods.values():
        if period.kind == PeriodKind.quarter:
            lookups.quarters_by_year.setdefault(period.year, set()).add(period.id)
    return lookups
