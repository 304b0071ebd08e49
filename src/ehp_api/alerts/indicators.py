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

COMPUTED: dict[str, tuple[AlertKind, AlertStatus]] = {
    "1.2.1.3": (AlertKind.ehp_referral, AlertStatus.escalated),
    "1.3.2.1": (AlertKind.ewrr, AlertStatus.shared),
    "1.3.2.3": (AlertKind.ewrr, AlertStatus.activated),
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
    bucket = case(*((AlertEvent.on.between(start, end), name) for name, start, end in quarters))  # type: ignore[attr-defined]
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
