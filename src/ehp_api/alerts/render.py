"""Rendering alerts for each audience, a page at a time with a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from ehp_api.alerts import policy, service
from ehp_api.alerts.models import (
    Alert,
    AlertEvent,
    AlertLink,
    AlertStatus,
    AlertTrigger,
    TriggerRule,
)
from ehp_api.alerts.schemas import (
    AlertFull,
    AlertRestricted,
    DuplicateRef,
    TimelineEntry,
    TriggerEvaluation,
)
from ehp_api.audit import service as audit
from ehp_api.core.db import SessionFactory, select_row
from ehp_api.core.principal import Principal
from ehp_api.locations.models import Location
from ehp_api.organisations.models import Organisation
from ehp_api.web import reference


@dataclass
class _Context:
    places: dict[int, tuple[str, str]]
    organisations: dict[int, str]
    triggers: dict[int, list[TriggerEvaluation]]
    links: dict[int, list[int]]
    duplicates: dict[int, list[DuplicateRef]]
    durations: dict[int, dict[str, int]]


def durations(events: list[AlertEvent]) -> dict[str, int]:
    """Days between the steps of the timeline, using the days the steps happened."""
    on = {e.to_status: e.on for e in events}
    start = on.get(AlertStatus.submitted) or on.get(AlertStatus.shared)
    spans = {
        "days_to_escalation": (on.get(AlertStatus.submitted), on.get(AlertStatus.escalated)),
        "days_to_activation": (on.get(AlertStatus.shared), on.get(AlertStatus.activated)),
        "days_to_closure": (start, on.get(AlertStatus.closed)),
    }
    return {k: (b - a).days for k, (a, b) in spans.items() if a and b}


def _places(session: Session) -> dict[int, tuple[str, str]]:
    """Location id -> (P-code, region P-code)."""
    rows = session.exec(select(Location.id, Location.pcode, Location.parent_id)).all()
    pcodes = {i: p for i, p, _ in rows}
    return {i: (p, pcodes[parent] if parent else p) for i, p, parent in rows}


def _triggers(session: Session, ids: list[int]) -> dict[int, list[TriggerEvaluation]]:
    result: dict[int, list[TriggerEvaluation]] = defaultdict(list)
    rows = session.exec(
        select(AlertTrigger, TriggerRule)
        .join(TriggerRule)
        .where(AlertTrigger.alert_id.in_(ids))
        .order_by(TriggerRule.code)
    ).all()
    for verdict, rule in rows:
        result[verdict.alert_id].append(
            TriggerEvaluation(
                rule=rule.code, version=rule.version, fired=verdict.fired, inputs=verdict.inputs
            )
        )
    return result


def _links(session: Session, principal: Principal, ids: list[int]) -> dict[int, list[int]]:
    """The linked alerts the caller may see: a link never names an alert it may not read."""
    result: dict[int, list[int]] = defaultdict(list)
    seen = select(Alert.id).where(policy.visible_to(principal))
    rows = session.exec(
        select(AlertLink).where(
            or_(
                and_(AlertLink.alert_id.in_(ids), AlertLink.linked_id.in_(seen)),
                and_(AlertLink.linked_id.in_(ids), AlertLink.alert_id.in_(seen)),
            )
        )
    ).all()
    for link in rows:
        result[link.alert_id].append(link.linked_id)
        result[link.linked_id].append(link.alert_id)
    return {k: sorted(set(v)) for k, v in result.items()}


def _duplicates(
    session: Session, principal: Principal, alerts: list[Alert], places: dict[int, tuple[str, str]]
) -> dict[int, list[DuplicateRef]]:
    """For a whole page in one query: the alerts of each alert's category and cercle within 7 days
    of it (one condition per alert of the page), grouped by pair for the matching."""
    keyed = [a for a in alerts if a.admin2_id is not None]
    if not keyed:
        return {}
    window = timedelta(days=service.DUPLICATE_WINDOW_DAYS)
    # Plain rows, not entities, grouped by (category, cercle): a page spread over years meets
    # thousands of candidates, and each alert compares only with those of its own pair.
    rows = session.execute(
        select_row(
            Alert.id,
            Alert.kind,
            Alert.category,
            Alert.admin2_id,
            Alert.location_id,
            Alert.occurred_on,
            Alert.severity,
            Alert.status,
        )
        .where(
            or_(
                *(
                    and_(
                        Alert.category == category,
                        Alert.admin2_id == admin2_id,
                        Alert.occurred_on.between(day - window, day + window),
                    )
                    for category, admin2_id, day in {
                        (a.category, a.admin2_id, a.occurred_on) for a in keyed
                    }
                )
            ),
            or_(
                Alert.status != AlertStatus.draft,
                Alert.source_organisation_id == principal.organisation_id,
            ),
        )
        .order_by(Alert.id)
    ).all()
    by_pair: dict[tuple[Any, Any], list[Any]] = defaultdict(list)
    for row in rows:
        by_pair[(row.category, row.admin2_id)].append(row)
    result: dict[int, list[DuplicateRef]] = defaultdict(list)
    for alert in keyed:
        for dup in by_pair[(alert.category, alert.admin2_id)]:
            if dup.id != alert.id and abs(dup.occurred_on - alert.occurred_on) <= window:
                result[alert.id or 0].append(
                    DuplicateRef(
                        id=dup.id,
                        kind=dup.kind,
                        category=dup.category,
                        location=places[dup.location_id][0],
                        occurred_on=dup.occurred_on,
                        severity=dup.severity,
                        status=dup.status,
                    )
                )
    return result


def _context(session: Session, principal: Principal, alerts: list[Alert]) -> _Context:
    ids = [a.id for a in alerts if a.id is not None]
    # Reference lookups, kept per version of the reference data.
    places = reference.memo(session, "alerts.places", lambda: _places(session))
    organisations = reference.memo(
        session,
        "alerts.organisations",
        lambda: dict(session.exec(select(Organisation.id, Organisation.code)).all()),
    )
    return _Context(
        places=places,
        organisations=organisations,
        triggers=_triggers(session, ids),
        links=_links(session, principal, ids),
        duplicates=_duplicates(session, principal, alerts, places),
        durations={i: durations(e) for i, e in service.timeline(session, ids).items()},
    )


def _render(alert: Alert, principal: Principal, ctx: _Context) -> AlertFull | AlertRestricted:
    pcode, region = ctx.places[alert.location_id]
    days = ctx.durations.get(alert.id or 0, {})
    restricted = AlertRestricted(
        **alert.model_dump(include=set(AlertRestricted.model_fields)),
        location=pcode,
        admin1=region,
        admin2=ctx.places[alert.admin2_id][0] if alert.admin2_id else None,
        triggers=ctx.triggers.get(alert.id or 0, []),
        links=ctx.links.get(alert.id or 0, []),
        possible_duplicates=ctx.duplicates.get(alert.id or 0, []),
        days_to_escalation=days.get("days_to_escalation"),
        days_to_activation=days.get("days_to_activation"),
        days_to_closure=days.get("days_to_closure"),
    )
    if not policy.sees_everything(principal, alert):
        return restricted
    return AlertFull(
        **restricted.model_dump(),
        narrative=alert.narrative,
        external_ref=alert.external_ref,
        source_organisation=ctx.organisations[alert.source_organisation_id],
        created_by=alert.created_by,
    )


def render(
    session: Session, principal: Principal, alerts: list[Alert]
) -> list[AlertFull | AlertRestricted]:
    ctx = _context(session, principal, alerts)
    return [_render(a, principal, ctx) for a in alerts]


def render_one(
    session: Session,
    principal: Principal,
    alert: Alert,
    *,
    record_in: SessionFactory | None = None,
) -> AlertFull | AlertRestricted:
    """The alert as the principal may see it. Someone outside the source organisation who reads
    the narrative is put on record: in the request's transaction, or, for a read (`record_in`),
    in a short write transaction of its own, committed before the answer is sent, so that a read
    of one's own alert never takes SQLite's write lock."""
    [view] = render(session, principal, [alert])
    if isinstance(view, AlertFull) and alert.source_organisation_id != principal.organisation_id:
        if record_in is None:
            audit.record(session, principal, "alert.read_restricted", "alert", alert.id)
        else:
            with record_in() as own:
                audit.record(own, principal, "alert.read_restricted", "alert", alert.id)
                own.commit()
    return view


def timeline(session: Session, principal: Principal, alert: Alert) -> list[TimelineEntry]:
    full = policy.sees_everything(principal, alert)
    return [
        TimelineEntry(
            from_status=AlertStatus(e.from_status) if e.from_status else None,
            to_status=AlertStatus(e.to_status),
            on=e.on,
            details=e.details,
            note=e.note if full else None,
            recorded_at=e.recorded_at,
        )
        for e in service.timeline(session, [alert.id or 0])[alert.id or 0]
    ]
