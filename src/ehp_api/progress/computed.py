"""The indicators the service counts from its own records (alerts, complaints), as the same
`Buckets` the readings give, so that the same rules make their values."""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from ehp_api.alerts import indicators as alert_indicators
from ehp_api.complaints import indicators as complaint_indicators
from ehp_api.indicators.models import MeasureType
from ehp_api.progress.calendar import Spans
from ehp_api.progress.grain import Part
from ehp_api.progress.plan import IndicatorRule
from ehp_api.progress.sums import Buckets, Figure
from ehp_api.readings.lookups import LIPTAKO, OTHER

SPANS = ("in_period", "year_to_date", "to_date")


@dataclass
class Computed:
    buckets: Buckets
    parts: dict[str, float | int] = field(default_factory=dict)  # the period's extra figures


def ranges(spans: Spans, plan_start: date) -> dict[str, tuple[date, date]]:
    target = spans.target
    year_start = date(target.year, 1, 1)
    return {
        "in_period": (target.starts_on, target.ends_on),
        "year_to_date": (year_start, target.ends_on),
        "to_date": (plan_start, target.ends_on),
    }


def alert_counts(
    session: Session, spans: Spans, plan_start: date
) -> dict[str, dict[str, tuple[int, int]]]:
    """Span -> indicator code -> (count, Liptako Gourma part): one query per span."""
    return {
        span: alert_indicators.step_counts(session, start, end)
        for span, (start, end) in ranges(spans, plan_start).items()
    }


def figures(
    session: Session,
    rules: list[IndicatorRule],
    spans: Spans,
    plan_start: date,
    alerts: dict[str, dict[str, tuple[int, int]]] | None = None,
) -> dict[int, Computed]:
    """Each computed indicator's buckets (and the parts its wording asks for)."""
    alerts = alerts if alerts is not None else alert_counts(session, spans, plan_start)
    found = {}
    for rule in rules:
        if rule.code in alert_indicators.COMPUTED:
            found[rule.id] = Computed(_from_alerts(rule.code, alerts))
        elif rule.code in complaint_indicators.COMPUTED:
            found[rule.id] = _from_complaints(session, rule, spans, plan_start)
    return found


def _from_alerts(code: str, alerts: dict[str, dict[str, tuple[int, int]]]) -> Buckets:
    def figure(span: str) -> Figure:
        count, liptako = alerts[span][code]
        zones: dict[str | None, Part] = {
            LIPTAKO: Part(liptako, 0, liptako),
            OTHER: Part(count - liptako, 0, count - liptako),
        }
        return Figure(numerator=count, records=count, zones=zones)

    return Buckets(figure("in_period"), figure("year_to_date"), figure("to_date"))


def _from_complaints(
    session: Session, rule: IndicatorRule, spans: Spans, plan_start: date
) -> Computed:
    count = rule.measure == MeasureType.count
    figures: dict[str, Figure] = {}
    parts: dict[str, float | int] = {}
    for span, (start, end) in ranges(spans, plan_start).items():
        value = complaint_indicators.between(session, rule.code, spans.target.code, start, end)
        figures[span] = Figure(
            numerator=value.denominator if count else value.numerator,
            denominator=0 if count else value.denominator,
            records=value.denominator,
        )
        if span == "in_period":
            parts = dict(value.counts)
    return Computed(Buckets(**figures), parts)  # type: ignore[arg-type]
