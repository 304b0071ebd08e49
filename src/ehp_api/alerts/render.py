"""Rendering alerts for each audience, a page at a time with a fixed number of queries."""

import bisect
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, and_, bindparam, or_
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
from ehp_api.locations import service as locations_service
from ehp_api.organisations import service as organisations_service
from ehp_api.web import reference


@dataclass
class _Context:
    places: dict[int, tuple[str, str]]
    organisations: dict[int, str]
    triggers: dict[int, list[TriggerEvaluation]]
    links: dict[int, list[int]]
    duplicates: dict[int, list[DuplicateRef]]
    durations: dict[int, dict[str, int]]


# The statements that depend only on the alerts' ids, built once: building a statement costs a
# read of one alert as much as running it.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_ORG: BindParameter[int | None] = bindparam("org")
_TRIGGERS = (
    select_row(
        AlertTrigger.alert_id,
        TriggerRule.code,
        TriggerRule.version,
        AlertTrigger.fired,
        AlertTrigger.inputs,
    )
    .join_from(AlertTrigger, TriggerRule)
    .where(AlertTrigger.alert_id.in_(_IDS))
    .order_by(TriggerRule.code)
)
_LINKS = select_row(AlertLink.alert_id, AlertLink.linked_id).where(
    or_(AlertLink.alert_id.in_(_IDS), AlertLink.linked_id.in_(_IDS))
)
_STEPS = (
    select_row(AlertEvent.alert_id, AlertEvent.to_status, AlertEvent.on)
    .where(AlertEvent.alert_id.in_(_IDS))
    .order_by(AlertEvent.id)
)


def durations(steps: Iterable[tuple[str, date]]) -> dict[str, int]:
    """Days between the steps of the timeline (each step's status and the day it happened)."""
    on = dict(steps)
    start = on.get(AlertStatus.submitted) or on.get(AlertStatus.shared)
    spans = {
        "days_to_escalation": (on.get(AlertStatus.submitted), on.get(AlertStatus.escalated)),
        "days_to_activation": (on.get(AlertStatus.shared), on.get(AlertStatus.activated)),
        "days_to_closure": (start, on.get(AlertStatus.closed)),
    }
    return {k: (b - a).days for k, (a, b) in spans.items() if a and b}


def _places(session: Session) -> dict[int, tuple[str, str]]:
    """Location id -> (P-code, region P-code), from the places kept per reference version."""
    pcodes = locations_service.pcodes(session)
    return {
        place.id: (pcode, pcodes[place.parent_id] if place.parent_id else pcode)
        for pcode, place in locations_service.kept_places(session).items()
    }


def _triggers(connection: Connection, ids: list[int]) -> dict[int, list[TriggerEvaluation]]:
    # Plain rows rather than entities: a read renders them once and keeps nothing.
    result: dict[int, list[TriggerEvaluation]] = defaultdict(list)
    rows = connection.execute(_TRIGGERS, {"ids": ids}).all()
    for alert_id, code, version, fired, inputs in rows:
        result[alert_id].append(
            TriggerEvaluation(rule=code, version=version, fired=fired, inputs=inputs)
        )
    return result


def _links(session: Session, principal: Principal, ids: list[int]) -> dict[int, list[int]]:
    """The linked alerts the caller may see: a link never names an alert it may not read.

    Most alerts have no link: the links of the page are read first, and the caller's visibility
    is asked only of the alerts at their other ends, when there are any."""
    pairs = session.connection().execute(_LINKS, {"ids": ids}).all()
    if not pairs:
        return {}
    others = {end for pair in pairs for end in pair} - set(ids)
    seen = set(ids)
    if others:
        seen.update(
            session.exec(select(Alert.id).where(Alert.id.in_(others), policy.visible_to(principal)))
        )
    result: dict[int, list[int]] = defaultdict(list)
    for alert_id, linked_id in pairs:
        if alert_id in seen and linked_id in seen:
            result[alert_id].append(linked_id)
            result[linked_id].append(alert_id)
    return {k: sorted(set(v)) for k, v in result.items()}


@functools.lru_cache(maxsize=64)
def _near(n: int) -> Select[Any]:
    """The alerts of any of `n` (category, cercle, days from .. to) that the caller may see as
    duplicates (no one else's draft), built once for each `n` (the values are bound)."""
    return (
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
                        Alert.category == bindparam(f"c{i}"),
                        Alert.admin2_id == bindparam(f"a{i}"),
                        Alert.occurred_on.between(bindparam(f"lo{i}"), bindparam(f"hi{i}")),
                    )
                    for i in range(n)
                )
            ),
            or_(Alert.status != AlertStatus.draft, Alert.source_organisation_id == _ORG),
        )
        .order_by(Alert.id)
    )


def _duplicates(
    session: Session, principal: Principal, alerts: list[Alert], places: dict[int, tuple[str, str]]
) -> dict[int, list[DuplicateRef]]:
    """For a whole page in one query: the alerts of each (category, cercle) pair of the page from
    7 days before its first alert to 7 days after its last (one condition per pair, not per
    alert: a cercle's page has a few categories), then each alert's within 7 days of it."""
    keyed = [a for a in alerts if a.admin2_id is not None]
    if not keyed:
        return {}
    window = timedelta(days=service.DUPLICATE_WINDOW_DAYS)
    days: dict[tuple[Any, Any], list[date]] = defaultdict(list)
    for alert in keyed:
        days[(alert.category, alert.admin2_id)].append(alert.occurred_on)
    values: dict[str, Any] = {"org": principal.organisation_id}
    for n, ((category, admin2_id), on) in enumerate(sorted(days.items())):
        values |= {f"c{n}": category, f"a{n}": admin2_id, f"lo{n}": min(on) - window}
        values[f"hi{n}"] = max(on) + window
    rows = session.connection().execute(_near(len(days)), values).all()
    # Plain rows, not entities, grouped by pair and in date order: a page spread over years
    # meets thousands of candidates, and each alert takes its window of its own pair's.
    by_pair: dict[tuple[Any, Any], list[Any]] = defaultdict(list)
    for row in rows:
        by_pair[(row.category, row.admin2_id)].append(row)
    for pair_rows in by_pair.values():
        pair_rows.sort(key=_DAY)

    @functools.cache  # one per alert found, shared by the alerts near it
    def ref(dup: Any) -> DuplicateRef:
        return DuplicateRef(
            id=dup.id,
            kind=dup.kind,
            category=dup.category,
            location=places[dup.location_id][0],
            occurred_on=dup.occurred_on,
            severity=dup.severity,
            status=dup.status,
        )

    result: dict[int, list[DuplicateRef]] = {}
    for alert in keyed:
        pair_rows = by_pair[(alert.category, alert.admin2_id)]
        day = alert.occurred_on
        first = bisect.bisect_left(pair_rows, day - window, key=_DAY)
        last = bisect.bisect_right(pair_rows, day + window, key=_DAY)
        near = sorted((dup for dup in pair_rows[first:last] if dup.id != alert.id), key=_ID)
        if near:
            result[alert.id or 0] = [ref(dup) for dup in near]
    return result


_DAY, _ID = operator.attrgetter("occurred_on"), operator.attrgetter("id")


def _durations(connection: Connection, ids: list[int]) -> dict[int, dict[str, int]]:
    steps: dict[int, list[tuple[str, date]]] = defaultdict(list)
    rows = connection.execute(_STEPS, {"ids": ids}).all()
    for alert_id, to_status, on in rows:
        steps[alert_id].append((to_status, on))
    return {i: durations(steps[i]) for i in ids}


def _context(session: Session, principal: Principal, alerts: list[Alert]) -> _Context:
    """What the page's views need, a statement each for the whole page. The statements run on
    the session's connection (a quarter fewer calls than through the session), after the
    session's pending changes are flushed, as its own first query would have done."""
    ids = [a.id for a in alerts if a.id is not None]
    session.flush()
    # Reference lookups, kept per version of the reference data.
    places = reference.memo(session, "alerts.places", lambda: _places(session))
    organisations = organisations_service.codes(session)
    return _Context(
        places=places,
        organisations=organisations,
        triggers=_triggers(session.connection(), ids),
        links=_links(session, principal, ids),
        duplicates=_duplicates(session, principal, alerts, places),
        durations=_durations(session.connection(), ids),
    )


# The fields an alert's view copies from the alert as they are stored.
_COPIED = set(AlertRestricted.model_fields) & set(Alert.model_fields)


def _render(alert: Alert, principal: Principal, ctx: _Context) -> AlertFull | AlertRestricted:
    """The view the principal may see, built once: a full view is not a restricted one dumped
    and validated again."""
    pcode, region = ctx.places[alert.location_id]
    days = ctx.durations.get(alert.id or 0, {})
    fields = alert.model_dump(include=_COPIED)
    fields |= {
        "location": pcode,
        "admin1": region,
        "admin2": ctx.places[alert.admin2_id][0] if alert.admin2_id else None,
        "triggers": ctx.triggers.get(alert.id or 0, []),
        "links": ctx.links.get(alert.id or 0, []),
        "possible_duplicates": ctx.duplicates.get(alert.id or 0, []),
        "days_to_escalation": days.get("days_to_escalation"),
        "days_to_activation": days.get("days_to_activation"),
        "days_to_closure": days.get("days_to_closure"),
    }
    if not policy.sees_everything(principal, alert):
        return AlertRestricted(**fields)
    return AlertFull(
        **fields,
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
