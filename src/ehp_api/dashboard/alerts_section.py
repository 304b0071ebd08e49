"""The dashboard's alerts section: a fixed number of grouped queries, whatever the volume."""

import statistics
from collections import Counter
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ehp_api.alerts import indicators as alert_indicators
from ehp_api.alerts.models import Alert, AlertEvent, AlertStatus
from ehp_api.core.db import select_row
from ehp_api.dashboard.schemas import AlertsSection, Count
from ehp_api.locations.models import Location


def suppress(counter: Counter[str], threshold: int | None) -> list[Count]:
    """Counts from 1 to threshold-1 become `suppressed` (no value) for broad audiences."""
    return [
        Count(key=key, count=None, suppressed=True)
        if threshold and 0 < n < threshold
        else Count(key=key, count=n)
        for key, n in sorted(counter.items())
    ]


def _places(session: Session) -> dict[int, tuple[str, str, int]]:
    rows = session.exec(
        select(Location.id, Location.pcode, Location.parent_id, Location.level)
    ).all()
    pcodes = {i: p for i, p, _, _ in rows}
    return {i: (p, pcodes[parent] if parent else p, level) for i, p, parent, level in rows}


def _median_days_to_escalation(session: Session, starts_on: date, ends_on: date) -> float | None:
    """From submission to escalation, for the referrals escalated in the period: each one's
    submission day is looked up by its alert (an index probe), not joined from every alert."""
    submitted = aliased(AlertEvent)
    submitted_on = (
        select(submitted.on)
        .where(
            submitted.alert_id == AlertEvent.alert_id,
            submitted.to_status == AlertStatus.submitted,
        )
        .limit(1)
        .scalar_subquery()
    )
    stmt = select(submitted_on, AlertEvent.on).where(
        AlertEvent.to_status == AlertStatus.escalated,
        AlertEvent.on >= starts_on,
        AlertEvent.on <= ends_on,
    )
    days = [(e - s).days for s, e in session.exec(stmt).all() if s is not None]
    return statistics.median(days) if days else None


def section(
    session: Session,
    starts_on: date,
    ends_on: date,
    threshold: int | None,
    steps: dict[str, alert_indicators.StepCount],
) -> AlertsSection:
    """Alerts past their draft whose events occurred in the period, broken down; escalations
    and activations are the period's counts of indicators 1.2.1.3 and 1.3.2.3 (`steps`)."""
    stmt = (
        select_row(
            Alert.kind,
            Alert.status,
            Alert.category,
            Alert.severity,
            Alert.location_id,
            Alert.liptako_gourma,
            func.count(),
        )
        .where(
            Alert.status != AlertStatus.draft,
            Alert.occurred_on >= starts_on,
            Alert.occurred_on <= ends_on,
        )
        .group_by(
            Alert.kind,
            Alert.status,
            Alert.category,
            Alert.severity,
            Alert.location_id,
            Alert.liptako_gourma,
        )
    )
    places = _places(session)
    counters: dict[str, Counter[str]] = {
        k: Counter() for k in ("kind", "status", "category", "severity", "region", "cercle")
    }
    total = liptako = 0
    for kind, status, category, severity, location_id, in_area, n in session.exec(stmt).all():
        pcode, region, level = places[location_id]
        for name, key in (
            ("kind", kind),
            ("status", status),
            ("category", category),
            ("severity", str(severity)),
            ("region", region),
        ):
            counters[name][str(key)] += n
        if level == 2:
            counters["cercle"][pcode] += n
        total += n
        liptako += n if in_area else 0
    return AlertsSection(
        total=total,
        liptako_gourma_share=round(100 * liptako / total, 2) if total else None,
        by_kind=suppress(counters["kind"], None),
        by_status=suppress(counters["status"], None),
        by_category=suppress(counters["category"], None),
        by_severity=suppress(counters["severity"], None),
        by_region=suppress(counters["region"], None),
        by_cercle=suppress(counters["cercle"], threshold),
        escalations=steps[alert_indicators.EHP_REFERRALS_ESCALATED].period,
        ewrr_activations=steps[alert_indicators.EWRR_ACTIVATIONS].period,
        median_days_to_escalation=_median_days_to_escalation(session, starts_on, ends_on),
    )
