"""The work plan's indicators that alerts measure, counted from the alerts' timelines.

- 1.2.1.3 `# de saisines EHP et % Liptako Gourma`: EHP referrals (kind `ehp_referral`) counted in
  the quarter in which their timeline reached `escalated` (the day the step happened, not the
  day it was recorded); the Liptako Gourma share is that count's part whose location was in the
  area on the day of the events.
- 1.3.2.1 `# d'alertes formelles transmises à EWRR`: EWRR alerts counted in the quarter in which
  they reached `shared`.
- 1.3.2.3 `# de cas où les alertes humanitaires ont été associées à une activation de l'EWRR (et
  % dans le Liptako Gourma)`: EWRR alerts counted in the quarter in which they reached `activated`.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func
from sqlmodel import Session, select

from ehp_api.alerts.models import Alert, AlertEvent, AlertKind, AlertStatus

EHP_REFERRALS_ESCALATED, EWRR_SHARED, EWRR_ACTIVATIONS = "1.2.1.3", "1.3.2.1", "1.3.2.3"
COMPUTED: dict[str, tuple[AlertKind, AlertStatus]] = {
    EHP_REFERRALS_ESCALATED: (AlertKind.ehp_referral, AlertStatus.escalated),
    EWRR_SHARED: (AlertKind.ewrr, AlertStatus.shared),
    EWRR_ACTIVATIONS: (AlertKind.ewrr, AlertStatus.activated),
}


@dataclass(frozen=True)
class QuarterCount:
    period: str
    count: int
    liptako_gourma: int
    organisations: int


def counts(
    session: Session, code: str, quarters: list[tuple[str, date, date]]
) -> list[QuarterCount]:
    """One query: the alerts that reached the indicator's step, by quarter of the step's day."""
    kind, status = COMPUTED[code]
    bucket = case(*((AlertEvent.on.between(start, end), name) for name, start, end in quarters))
    rows = session.exec(
        select(
            bucket,
            func.count(func.distinct(Alert.id)),
            func.count(func.distinct(case((Alert.liptako_gourma, Alert.id)))),
            func.count(func.distinct(Alert.source_organisation_id)),
        )
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(
            Alert.kind == kind,
            AlertEvent.to_status == status,
            AlertEvent.on >= quarters[0][1],
            AlertEvent.on <= quarters[-1][2],
        )
        .group_by(bucket)
    ).all()
    found = {row[0]: row for row in rows}
    return [
        QuarterCount(name, *(found[name][1:] if name in found else (0, 0, 0)))
        for name, _start, _end in quarters
    ]


@dataclass(frozen=True)
class StepCount:
    """An indicator's count in a period, its Liptako Gourma part, and its count since the plan
    started."""

    period: int
    period_liptako_gourma: int
    cumulative: int


def step_counts(session: Session, starts_on: date, ends_on: date) -> dict[str, tuple[int, int]]:
    """Every computed indicator's count over [starts_on, ends_on] and its Liptako Gourma part:
    one query over the steps' index alone (each step carries its alert's Liptako Gourma flag).

    Counting steps counts alerts, and a step names its alert's kind: the workflows have no
    cycle (an alert reaches each step once) and each counted step belongs to one kind's
    workflow (`tests/alerts/test_indicators.py` checks both)."""
    steps = {status: code for code, (_kind, status) in COMPUTED.items()}
    found = {
        status: (n, int(liptako or 0))
        for status, n, liptako in session.exec(
            select(
                AlertEvent.to_status,
                func.count(),
                func.sum(case((AlertEvent.liptako_gourma, 1), else_=0)),
            )
            .where(
                AlertEvent.to_status.in_(steps),
                AlertEvent.on >= starts_on,
                AlertEvent.on <= ends_on,
            )
            .group_by(AlertEvent.to_status)
        ).all()
    }
    return {code: found.get(status, (0, 0)) for status, code in steps.items()}


def period_and_cumulative(
    session: Session, starts_on: date, ends_on: date, plan_start: date
) -> dict[str, StepCount]:
    """Every computed indicator's count for [starts_on, ends_on] (with the Liptako Gourma part)
    and for [plan_start, ends_on]: two queries (`step_counts`)."""
    period = step_counts(session, starts_on, ends_on)
    cumulative = step_counts(session, plan_start, ends_on)
    return {
        code: StepCount(
            period=period[code][0],
            period_liptako_gourma=period[code][1],
            cumulative=cumulative[code][0],
        )
        for code in COMPUTED
    }
