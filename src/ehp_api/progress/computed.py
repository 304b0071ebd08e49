"""The indicators the service counts from its own records (alerts, complaints, the EHP's
register), as the same `Buckets` the readings give, so that the same rules make their values."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session

from ehp_api.alerts import indicators as alert_indicators
from ehp_api.complaints import indicators as complaint_indicators
from ehp_api.complaints import policy as complaint_policy
from ehp_api.indicators.models import MeasureType
from ehp_api.locations.models import LIPTAKO, OTHER
from ehp_api.progress.calendar import Spans
from ehp_api.progress.grain import Part
from ehp_api.progress.plan import IndicatorRule
from ehp_api.progress.schemas import IndicatorFigures
from ehp_api.progress.sums import Buckets, Figure
from ehp_api.register import indicators as register_indicators

ALERT_CODES = frozenset(alert_indicators.COMPUTED)


@dataclass
class Computed:
    buckets: Buckets
    parts: dict[str, float | int] = field(default_factory=dict)  # the period's extra figures
    zone_parts: dict[str | None, dict[str, float | int]] = field(default_factory=dict)


def ranges(
    spans: Spans, plan_start: date, year_to_date: bool = True
) -> dict[str, tuple[date, date]]:
    """The days of each span. The year to date is counted only when a target needs it (it is
    what targets are met against), and once when it is the period itself."""
    target = spans.target
    found = {
        "in_period": (target.starts_on, target.ends_on),
        "to_date": (plan_start, target.ends_on),
    }
    year_start = date(target.year, 1, 1)
    if year_to_date and year_start != target.starts_on:
        found["year_to_date"] = (year_start, target.ends_on)
    return found


def alert_counts(
    session: Session, spans: Spans, plan_start: date, year_to_date: bool = True
) -> dict[str, dict[str, tuple[int, int]]]:
    """Span -> indicator code -> (count, Liptako Gourma part): one query per span."""
    found = {
        span: alert_indicators.step_counts(session, start, end)
        for span, (start, end) in ranges(spans, plan_start, year_to_date).items()
    }
    return _with_year_to_date(found, spans)


def _with_year_to_date(found: dict[str, Any], spans: Spans) -> dict[str, Any]:
    """The year to date when not counted: the period itself (a year, a first quarter), or
    nothing (no target needs it)."""
    if "year_to_date" not in found:
        starts_with_year = spans.target.starts_on == date(spans.target.year, 1, 1)
        found["year_to_date"] = found["in_period"] if starts_with_year else None
    return found


def figures(
    session: Session,
    rules: list[IndicatorRule],
    spans: Spans,
    plan_start: date,
    alerts: dict[str, dict[str, tuple[int, int]]] | None = None,
    with_targets: Collection[int] = (),
    *,
    with_sea: bool,
    by_zone: bool = False,
) -> dict[int, Computed]:
    """Each computed indicator's buckets (and the parts its wording asks for); the year to date
    only for those with targets (`with_targets`). Alert figures always carry their zones;
    complaint figures only `by_zone` (three more queries a span), each zone with its parts.
    Complaint figures follow the inference rule (`complaints.policy`): without `with_sea`, SEA
    allegations are left out, and an indicator computed from them alone is not computed (empty
    buckets)."""
    if alerts is None:
        needed = any(r.id in with_targets for r in rules if r.code in alert_indicators.COMPUTED)
        alerts = alert_counts(session, spans, plan_start, needed)
    found = {}
    register: dict[str, Any] | None = None
    for rule in rules:
        if rule.code in alert_indicators.COMPUTED:
            found[rule.id] = Computed(_from_alerts(rule.code, alerts))
        elif rule.code in register_indicators.COMPUTED:
            if register is None:
                needed = any(
                    r.id in with_targets for r in rules if r.code in register_indicators.COMPUTED
                )
                register = register_counts(session, spans, plan_start, needed)
            found[rule.id] = Computed(_from_register(rule.code, register))
        elif complaint_policy.withheld(rule.code, with_sea):
            found[rule.id] = Computed(Buckets(Figure(), Figure(), Figure()))
        elif rule.code in complaint_indicators.COMPUTED:
            needed = rule.id in with_targets
            found[rule.id] = _from_complaints(
                session, rule, spans, plan_start, needed, with_sea, by_zone
            )
    return found


def _from_alerts(code: str, alerts: dict[str, Any]) -> Buckets:
    def figure(span: str) -> Figure:
        if alerts[span] is None:
            return Figure()
        count, liptako = alerts[span][code]
        zones: dict[str | None, Part] = {
            LIPTAKO: Part(liptako, 0, liptako),
            OTHER: Part(count - liptako, 0, count - liptako),
        }
        return Figure(numerator=count, records=count, zones=zones)

    return Buckets(figure("in_period"), figure("year_to_date"), figure("to_date"))


def register_counts(
    session: Session, spans: Spans, plan_start: date, year_to_date: bool = True
) -> dict[str, dict[str, register_indicators.Count] | None]:
    """Span -> indicator code -> its figure from the register: three queries per span."""
    found = {
        span: register_indicators.counts(session, start, end)
        for span, (start, end) in ranges(spans, plan_start, year_to_date).items()
    }
    return _with_year_to_date(found, spans)


def _from_register(code: str, register: dict[str, Any]) -> Buckets:
    def figure(span: str) -> Figure:
        if register[span] is None:
            return Figure()
        count: register_indicators.Count = register[span][code]
        records = count.denominator or count.numerator
        zones: dict[str | None, Part] = {}
        if code == register_indicators.NOTES_SUPPLIED:
            liptako, unknown = count.liptako_gourma, count.zone_unknown
            other = count.numerator - liptako - unknown
            zones = {LIPTAKO: Part(liptako, 0, liptako), OTHER: Part(other, 0, other)}
            if unknown:  # the notes whose zone is not said, a zone only when there are some
                zones[None] = Part(unknown, 0, unknown)
        return Figure(count.numerator, count.denominator, records, zones=zones)

    return Buckets(figure("in_period"), figure("year_to_date"), figure("to_date"))


def _from_complaints(
    session: Session,
    rule: IndicatorRule,
    spans: Spans,
    plan_start: date,
    year_to_date: bool,
    with_sea: bool,
    by_zone: bool = False,
) -> Computed:
    count = rule.measure == MeasureType.count

    def part(value: complaint_indicators.IndicatorValue) -> Part:
        return Part(
            numerator=value.denominator if count else value.numerator,
            denominator=0 if count else value.denominator,
            records=value.denominator,
        )

    figures: dict[str, Figure] = {}
    parts: dict[str, float | int] = {}
    zone_parts: dict[str | None, dict[str, float | int]] = {}
    for span, (start, end) in ranges(spans, plan_start, year_to_date).items():
        args = (session, rule.code, spans.target.code, start, end)
        value = complaint_indicators.between(*args, with_sea=with_sea)
        zones = {
            zone: complaint_indicators.between(*args, with_sea=with_sea, zone=zone)
            for zone in (complaint_indicators.ZONES if by_zone else ())
        }
        total = part(value)
        figures[span] = Figure(
            numerator=total.numerator,
            denominator=total.denominator,
            records=total.records,
            # Complaints without a location are a zone only when there are some.
            zones={z: part(v) for z, v in zones.items() if z is not None or any(v.counts.values())},
        )
        if span == "in_period":
            parts = dict(value.counts)
            zone_parts = {z: dict(v.counts) for z, v in zones.items()}
    figures = _with_year_to_date(figures, spans)
    figures["year_to_date"] = figures["year_to_date"] or Figure()
    return Computed(
        Buckets(figures["in_period"], figures["year_to_date"], figures["to_date"]),
        parts,
        zone_parts,
    )


Shown = TypeVar("Shown", bound=IndicatorFigures)


def mark(shown: Shown, code: str, with_sea: bool) -> Shown:
    """The figure as this reader may see it: a complaint figure says it leaves SEA allegations
    out; one computed from them alone keeps only that it exists and who to ask."""
    flags = complaint_policy.flags(code, code in complaint_indicators.COMPUTED, with_sea)
    if complaint_policy.PSEA_ONLY_FLAG in flags:
        shown = shown.model_copy(update=IndicatorFigures().model_dump())
    for flag in flags:
        shown.flags.append(flag)
        shown.notes.append(complaint_policy.NOTES[flag])
    return shown
