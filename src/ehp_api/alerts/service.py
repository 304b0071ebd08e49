"""Alerts: recording the 5W, finding them (who sees which is `policy`'s), linking them."""

from datetime import date
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy import update as sql_update
from sqlmodel import Session, select

from ehp_api.alerts import policy, triggers, workflow
from ehp_api.alerts.models import (
    Alert,
    AlertEvent,
    AlertLink,
    AlertStatus,
)
from ehp_api.alerts.schemas import (
    AlertCreate,
    AlertUpdate,
)
from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, InvalidInput, InvalidParam, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate_in
from ehp_api.core.principal import Principal
from ehp_api.core.query_filters import known_ids
from ehp_api.core.row_locks import for_update
from ehp_api.locations import service as locations_service
from ehp_api.locations.models import LIPTAKO, Location
from ehp_api.organisations.models import Organisation

DUPLICATE_WINDOW_DAYS = 7
_TRACKED = (
    "category",
    "location_id",
    "occurred_on",
    "reported_on",
    "severity",
    "affected_group",
    "affected_people",
    "narrative",
    "external_ref",
)


def get(session: Session, principal: Principal, alert_id: int, *, lock: bool = False) -> Alert:
    stmt = select(Alert).where(Alert.id == alert_id, policy.visible_to(principal))
    alert = session.exec(for_update(stmt, Alert) if lock else stmt).first()
    if alert is None:
        raise NotFound(
            tr(
                "No alert {alert_id} that you may see.",
                alert_id=alert_id,
            )
        )
    return alert


def _place(session: Session, pcode: str) -> locations_service.Place:
    try:
        return locations_service.place(session, pcode)
    except NotFound:
        reason = tr(
            "no location has the P-code {pcode!r}",
            pcode=pcode,
        )
        raise InvalidInput(
            tr(
                "location: {reason}",
                reason=reason,
            ),
            errors=[
                InvalidParam(
                    location="body", field="location", reason=reason, code="unknown_location"
                )
            ],
        ) from None


def _check_dates(occurred_on: date, reported_on: date) -> None:
    problem = None
    if reported_on < occurred_on:
        problem = ("reported_on", tr("before occurred_on"))
    elif occurred_on > date.today():
        problem = ("occurred_on", tr("in the future"))
    if problem:
        field, reason = problem
        raise InvalidInput(
            tr("{field}: {reason}", field=field, reason=reason),
            errors=[InvalidParam(location="body", field=field, reason=reason, code="invalid_date")],
        )


def _locate(session: Session, alert: Alert, location: Location | locations_service.Place) -> None:
    alert.location_id = location.id or 0
    alert.admin2_id = location.id if location.level == 2 else None
    alert.liptako_gourma = locations_service.is_in_focus_area(
        session, LIPTAKO, location, alert.occurred_on
    )
    if alert.id is not None:  # a correction: the steps carry the flag too
        session.execute(
            sql_update(AlertEvent)
            .where(AlertEvent.alert_id == alert.id)
            .values(liptako_gourma=alert.liptako_gourma)
        )


def _set_links(session: Session, principal: Principal, alert: Alert, ids: list[int]) -> None:
    visible = set(
        session.exec(select(Alert.id).where(Alert.id.in_(ids), policy.visible_to(principal))).all()
    )
    unknown = sorted(set(ids) - visible - {alert.id})
    if unknown or alert.id in ids:
        reason = (
            tr(
                "no alert you may see has the id(s) {unknown}",
                unknown=unknown,
            )
            if unknown
            else tr("an alert cannot link itself")
        )
        raise InvalidInput(
            tr(
                "links: {reason}",
                reason=reason,
            ),
            errors=[
                InvalidParam(location="body", field="links", reason=reason, code="unknown_alert")
            ],
        )
    for link in session.exec(select(AlertLink).where(AlertLink.alert_id == alert.id)):
        session.delete(link)
    session.add_all(AlertLink(alert_id=alert.id or 0, linked_id=i) for i in sorted(set(ids)))


def create(session: Session, principal: Principal, data: AlertCreate) -> Alert:
    _check_dates(data.occurred_on, data.reported_on)
    location = _place(session, data.location)
    values = data.model_dump(exclude={"location", "links"})
    alert = Alert(
        **values,
        status=AlertStatus.draft,
        location_id=0,
        created_by=principal.name,
        source_organisation_id=principal.organisation_id or 0,
    )
    _locate(session, alert, location)
    session.add(alert)
    session.flush()
    if data.links:  # a new alert has no links to replace
        _set_links(session, principal, alert, data.links)
    workflow.record(session, alert, principal, AlertStatus.draft, data.reported_on)
    triggers.evaluate(session, alert, first=True)
    changes = audit.diff(None, _snapshot(alert), sensitive={"narrative"})
    audit.record(session, principal, "alert.create", "alert", alert.id, changes)
    return alert


def _snapshot(alert: Alert) -> dict[str, Any]:
    return {field: getattr(alert, field) for field in _TRACKED}


def update(session: Session, principal: Principal, alert_id: int, data: AlertUpdate) -> Alert:
    """Correct the 5W (the source organisation or the secretariat); triggers are judged again."""
    alert = get(session, principal, alert_id, lock=True)
    if not policy.sees_everything(principal, alert):
        raise NotFound(
            tr(
                "No alert {alert_id} that you may change.",
                alert_id=alert_id,
            )
        )
    if alert.status == AlertStatus.closed:
        raise Conflict(
            tr(
                "Alert {alert_id} is closed: it is kept as it was closed. The "
                "secretariat may reopen it (POST /api/v1/alerts/{alert_id}/reopen), "
                "on record, to correct it.",
                alert_id=alert_id,
            )
        )
    before = _snapshot(alert)
    fields = data.model_dump(exclude_unset=True, exclude={"location", "links"})
    for name, value in fields.items():
        setattr(alert, name, value)
    _check_dates(alert.occurred_on, alert.reported_on)
    if data.location is not None or "occurred_on" in fields:
        location = (
            _place(session, data.location)
            if data.location
            else session.get_one(Location, alert.location_id)
        )
        _locate(session, alert, location)
    if data.links is not None:
        _set_links(session, principal, alert, data.links)
    alert.updated_at = utcnow()
    session.flush()
    triggers.evaluate(session, alert)
    changes = audit.diff(before, _snapshot(alert), sensitive={"narrative"})
    audit.record(session, principal, "alert.update", "alert", alert.id, changes)
    return alert


def timeline(session: Session, alert_ids: list[int]) -> dict[int, list[AlertEvent]]:
    events: dict[int, list[AlertEvent]] = {i: [] for i in alert_ids}
    rows = session.exec(
        select(AlertEvent).where(AlertEvent.alert_id.in_(alert_ids)).order_by(AlertEvent.id)
    ).all()
    for event in rows:
        events[event.alert_id].append(event)
    return events


def list_filtered(session: Session, principal: Principal, filters: dict[str, Any]) -> Any:
    """The select for a list; every filter is a condition in SQL, the visibility one included.
    Codes are turned into ids first (`known_ids`: an unknown code is a 422 naming the filter)."""
    stmt = select(Alert).where(policy.visible_to(principal))
    for name in ("kind", "status", "category", "severity", "escalation_recommended"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(Alert, name) == filters[name])
    if filters.get("min_severity") is not None:
        stmt = stmt.where(Alert.severity >= filters["min_severity"])
    if filters.get("zone") is not None:
        stmt = stmt.where(Alert.liptako_gourma == (filters["zone"] == LIPTAKO))
    if filters.get("location") is not None:
        ids = locations_service.place_ids(session, filters["location"])
        stmt = stmt.where(Alert.location_id.in_(ids))
    if filters.get("period") is not None:
        starts_on, ends_on = filters["period"]
        stmt = stmt.where(and_(Alert.occurred_on >= starts_on, Alert.occurred_on <= ends_on))
    if filters.get("updated_since") is not None:
        stmt = stmt.where(Alert.updated_at >= filters["updated_since"])
    if filters.get("source_organisation") is not None:
        org = select(Organisation.id).where(Organisation.code == filters["source_organisation"])
        ids = known_ids(session, org, "source_organisation", filters["source_organisation"])
        stmt = stmt.where(Alert.source_organisation_id.in_(ids))
    return stmt


def list_(
    session: Session,
    principal: Principal,
    page: PageParams,
    filters: dict[str, Any],
    order: str = "id",
) -> tuple[list[Alert], str | None]:
    return paginate_in(session, list_filtered(session, principal, filters), Alert, page, order)


def count_by_status(session: Session) -> dict[str, int]:
    """How many alerts are in each status (every status named, 0 included): an operator's metric."""
    counts = session.exec(select(Alert.status, func.count()).group_by(Alert.status)).all()
    return {status.value: 0 for status in AlertStatus} | {str(s): n for s, n in counts}
