"""Indicator values computed from complaint records (`source: "computed"`), per period.

Both indicators count a complaint in the period (quarter or year) of its FIRST referral to an
organisation (`first_referred_on`): a case sent back and referred again counts once, in the
period it first left the receiving actor. Complaints closed without ever being referred
(`not_in_scope` on receipt) are not cases referred and count in neither. For readers outside the
PSEA network (`with_sea` false) SEA allegations count in neither, and 3.2.2.2 is not computed at
all: the inference rule of `complaints.policy`.
Later events count when they happened on or before `as_of` (default: today), so a past quarter's
value is reproducible by passing the date it was reported on.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, or_
from sqlmodel import Session, select

from ehp_api.complaints import policy
from ehp_api.complaints.models import Category, Complaint, Outcome, VictimAssistance
from ehp_api.core.db import utcnow
from ehp_api.core.errors import NotFound
from ehp_api.core.i18n import tr
from ehp_api.locations.models import LIPTAKO, OTHER
from ehp_api.periods import service as periods_service

CASES_REFERRED = "3.2.1.5"
SEA_REFERRED_TO_SERVICES = "3.2.2.2"
COMPUTED = frozenset({CASES_REFERRED, SEA_REFERRED_TO_SERVICES})
ZONES = (LIPTAKO, OTHER, None)
ANY_ZONE = "any"


@dataclass(frozen=True)
class IndicatorValue:
    indicator: str
    period: str
    value: int | float | None
    numerator: int
    denominator: int
    counts: dict[str, int | float] = field(default_factory=dict)


def values(
    session: Session,
    indicator_code: str,
    periods: list[str],
    as_of: date | None = None,
    *,
    with_sea: bool,
) -> list[IndicatorValue]:
    """The indicator's value for each period code (`2021Q2`, or `2021` for the whole year).

    3.2.1.5, "# of cases referred (and % with a response/adjustment)", a count:
      value       = denominator = complaints whose first referral falls in the period;
      numerator   = those of them with a response recorded (`responded`, dated on or before
                    `as_of`) or closed `adjusted` on or before `as_of`;
      counts      = referred, with_response, adjusted, and `share_with_response` (percent,
                    one decimal; absent when nothing was referred).
    3.2.2.2, "% of SEA cases referred to appropriate services for victims", a percentage:
      among SEA allegations whose first referral falls in the period,
      denominator = those NOT declined by the victim (a victim who refused every service, with
                    no referral to a service recorded, is not a failure to refer: counted
                    apart as `declined`);
      numerator   = those with at least one referral to a victim assistance service (medical,
                    psychosocial, legal, safety, material) dated on or before `as_of`;
      value       = 100 x numerator / denominator, one decimal; None when the denominator is 0;
      counts      = sea_referred, declined, referred_to_services.
    """
    compute = _computation(indicator_code, with_sea)
    as_of = as_of or utcnow().date()
    result = []
    for code in periods:
        period = periods_service.get_by_code(session, code)
        where = _referred_in(period.starts_on, period.ends_on, with_sea)
        result.append(compute(session, code, where, as_of))
    return result


def between(
    session: Session,
    indicator_code: str,
    label: str,
    starts_on: date,
    ends_on: date,
    *,
    with_sea: bool,
    zone: str | None = ANY_ZONE,
) -> IndicatorValue:
    """The value over any span of days, as of today: one query (the dashboard's period, and its
    cumulative value since the plan started). With `zone`, of the complaints in that zone only
    (one of ZONES: the zone of the complaint's location on the day it was received, None for
    those recorded without a location; the three add up to the whole)."""
    compute = _computation(indicator_code, with_sea)
    where = _referred_in(starts_on, ends_on, with_sea)
    if zone != ANY_ZONE:
        where = and_(where, _in_zone(zone))
    return compute(session, label, where, utcnow().date())


def _in_zone(zone: str | None) -> Any:
    return Complaint.zone.is_(None) if zone is None else Complaint.zone == zone


def _computation(indicator_code: str, with_sea: bool) -> Any:
    computes = {CASES_REFERRED: _cases_referred, SEA_REFERRED_TO_SERVICES: _sea_to_services}
    compute = computes.get(indicator_code)
    if compute is None:
        raise NotFound(
            tr(
                "The complaints records compute {computes}, not {indicator_code!r}.",
                computes=", ".join(computes),
                indicator_code=indicator_code,
            )
        )
    if policy.withheld(indicator_code, with_sea):
        # A guard, not the answer: callers withhold the figure before asking for it.
        raise ValueError(
            tr(
                "{indicator_code} is computed for PSEA focal points only",
                indicator_code=indicator_code,
            )
        )
    return compute


def _referred_in(starts_on: date, ends_on: date, with_sea: bool) -> Any:
    in_span = Complaint.first_referred_on.between(starts_on, ends_on)
    return and_(in_span, policy.counted(with_sea))


def _percent(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def _sums(session: Session, where: Any, **conditions: Any) -> dict[str, int]:
    columns = [func.count().label("total")] + [
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
        for name, condition in conditions.items()
    ]
    row = session.exec(select(*columns).where(where)).one()
    return {name: int(value) for name, value in row._mapping.items()}


def _cases_referred(session: Session, code: str, in_period: Any, as_of: date) -> IndicatorValue:
    responded = and_(Complaint.responded_on.is_not(None), Complaint.responded_on <= as_of)
    adjusted = and_(Complaint.outcome == Outcome.adjusted, Complaint.closed_on <= as_of)
    sums = _sums(session, in_period, with_response=or_(responded, adjusted), adjusted=adjusted)
    referred, with_response = sums["total"], sums["with_response"]
    counts: dict[str, int | float] = {
        "referred": referred,
        "with_response": with_response,
        "adjusted": sums["adjusted"],
    }
    share = _percent(with_response, referred)
    if share is not None:
        counts["share_with_response"] = share
    return IndicatorValue(CASES_REFERRED, code, referred, with_response, referred, counts)


def _sea_to_services(session: Session, code: str, in_period: Any, as_of: date) -> IndicatorValue:
    to_service = exists().where(
        VictimAssistance.complaint_id == Complaint.id,
        VictimAssistance.referred_on <= as_of,
    )
    declined = and_(Complaint.assistance_declined.is_(True), ~to_service)
    sea = and_(in_period, Complaint.category == Category.sea_allegation)
    sums = _sums(session, sea, declined=declined, referred_to_services=to_service)
    denominator = sums["total"] - sums["declined"]
    numerator = sums["referred_to_services"]
    counts: dict[str, int | float] = {
        "sea_referred": sums["total"],
        "declined": sums["declined"],
        "referred_to_services": numerator,
    }
    return IndicatorValue(
        SEA_REFERRED_TO_SERVICES, code, _percent(numerator, denominator), numerator, denominator,
        counts,
    )  # fmt: skip
