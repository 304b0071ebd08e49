"""The two workflows, each step guarded and recorded in the alert's timeline."""

from datetime import date
from typing import Any

from sqlmodel import Session, select

from ehp_api.alerts import policy
from ehp_api.alerts.models import Alert, AlertEvent, AlertKind
from ehp_api.alerts.models import AlertStatus as S
from ehp_api.alerts.schemas import AlertTransitionIn, ReopenIn
from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, Forbidden, InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.events import service as events
from ehp_api.events.models import EventType
from ehp_api.organisations.models import Organisation

FLOWS: dict[AlertKind, dict[S, set[S]]] = {
    AlertKind.ehp_referral: {
        S.draft: {S.submitted},
        S.submitted: {S.under_review},
        S.under_review: {S.escalated, S.not_escalated},
        S.escalated: {S.closed},
        S.not_escalated: {S.closed},
    },
    AlertKind.ewrr: {
        S.draft: {S.shared},
        S.shared: {S.acknowledged},
        S.acknowledged: {S.activated, S.not_activated},
        S.activated: {S.closed},
        S.not_activated: {S.closed},
    },
}
REQUIRED: dict[S, tuple[str, ...]] = {
    S.escalated: ("meeting_on", "decision", "accountable_organisation", "follow_up_due_on"),
    S.not_escalated: ("reason",),
    S.activated: ("response_type",),
    S.not_activated: ("reason",),
    S.closed: ("outcome",),
}
# Steps the source organisation takes itself; the others belong to the secretariat.
OWNER_STEPS = {S.submitted, S.shared}


def _allowed(alert: Alert, to: S) -> None:
    allowed = FLOWS[alert.kind].get(alert.status, set())
    if to not in allowed:
        names = ", ".join(sorted(allowed)) or tr("nothing (it is closed)")
        raise Conflict(
            tr(
                "The {kind} alert is {status}; it cannot go to {to}. From {status} "
                "it can go to: {names}.",
                kind=alert.kind,
                status=alert.status,
                to=to,
                names=names,
            )
        )


def _authorised(principal: Principal, alert: Alert, to: S) -> None:
    if policy.reviews(principal):
        return
    if to in OWNER_STEPS and alert.source_organisation_id == principal.organisation_id:
        return
    raise Forbidden(
        tr(
            "Only the secretariat moves an alert to {to}.",
            to=to,
        )
    )


def _invalid(field: str, reason: str, code: str) -> InvalidInput:
    return InvalidInput(
        tr(
            "{field}: {reason}",
            field=field,
            reason=reason,
        ),
        errors=[InvalidParam(location="body", field=field, reason=reason, code=code)],
    )


def _checked(
    session: Session, alert: Alert, data: AlertTransitionIn
) -> tuple[date, dict[str, Any]]:
    missing = [f for f in REQUIRED.get(data.to, ()) if getattr(data, f) in (None, "")]
    if missing:
        errors = [
            InvalidParam(
                location="body",
                field=f,
                reason=tr(
                    "required to move to {to}",
                    to=data.to,
                ),
                code="missing",
            )
            for f in missing
        ]
        raise InvalidInput(
            tr(
                "Moving to {to} needs: {missing}.",
                to=data.to,
                missing=", ".join(missing),
            ),
            errors=errors,
        )
    on = data.on or date.today()
    last = session.exec(
        select(AlertEvent.on).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id.desc())
    ).first()
    if on > date.today():
        raise _invalid("on", tr("a step cannot happen in the future"), "date_in_future")
    if last is not None and on < last:
        reason = tr("before the previous step ({last})", last=last.isoformat())
        raise _invalid("on", reason, "date_out_of_order")
    org = data.accountable_organisation
    if org and not session.exec(select(Organisation.id).where(Organisation.code == org)).first():
        reason = tr("no organisation has the code {code!r}", code=org)
        raise _invalid("accountable_organisation", reason, "unknown_organisation")
    details = data.model_dump(exclude={"to", "on", "note"}, exclude_none=True, mode="json")
    return on, details


def record(
    session: Session,
    alert: Alert,
    principal: Principal,
    to: S,
    on: date,
    note: str | None = None,
    details: dict[str, Any] | None = None,
) -> AlertEvent:
    event = AlertEvent(
        alert_id=alert.id or 0,
        liptako_gourma=alert.liptako_gourma,
        from_status=None if to == alert.status else alert.status,
        to_status=to,
        on=on,
        note=note,
        details=details or {},
        recorded_by=principal.name,
    )
    session.add(event)
    return event


def transition(
    session: Session, principal: Principal, alert: Alert, data: AlertTransitionIn
) -> Alert:
    """Check the step (state, role, fields, date), then record it; 409 names what is possible."""
    _allowed(alert, data.to)
    _authorised(principal, alert, data.to)
    on, details = _checked(session, alert, data)
    before = alert.status
    record(session, alert, principal, data.to, on, data.note, details)
    alert.status = data.to
    alert.updated_at = utcnow()
    session.flush()
    changes = {
        "status": {"old": before, "new": data.to},
        "on": {"old": None, "new": on.isoformat()},
    }
    audit.record(session, principal, "alert.transition", "alert", alert.id, changes)
    if data.to == S.escalated:
        announce(session, alert, EventType.alert_escalated)
    elif before == S.draft and alert.escalation_recommended:
        # Recommended while a draft, which its source alone saw: the others learn of it now.
        announce(session, alert, EventType.alert_escalation_recommended)
    return alert


def announce(session: Session, alert: Alert, type_: EventType) -> None:
    """An event about the alert into the outbox: in full with its source organisation's code,
    restricted without it; never the narrative."""
    restricted = {
        "id": alert.id,
        "kind": alert.kind.value,
        "status": alert.status.value,
        "category": alert.category.value,
        "severity": alert.severity,
        "occurred_on": alert.occurred_on.isoformat(),
        "escalation_recommended": alert.escalation_recommended,
    }
    source = session.get_one(Organisation, alert.source_organisation_id).code
    mail = policy.RECOMMENDATION_MAIL if type_ == EventType.alert_escalation_recommended else []
    events.emit(
        session,
        type_,
        f"alert/{alert.id}",
        {**restricted, "source_organisation": source},
        policy.audience(alert),
        restricted=restricted,
        mail=mail,
    )


def reopen(session: Session, principal: Principal, alert: Alert, data: ReopenIn) -> Alert:
    """A closed alert back to the step it was closed from (the secretariat's guard is on the
    route), on record in its timeline and the audit log: the one way a closed alert changes."""
    if alert.status != S.closed:
        raise Conflict(
            tr(
                "The alert is {status}, not closed: there is nothing to reopen.",
                status=alert.status,
            )
        )
    closed_from = session.exec(
        select(AlertEvent.from_status)
        .where(AlertEvent.alert_id == alert.id, AlertEvent.to_status == S.closed)
        .order_by(AlertEvent.id.desc())
    ).first()
    back_to = S(closed_from) if closed_from else _before_closed(alert)
    record(session, alert, principal, back_to, date.today(), data.reason, {"reopened": True})
    alert.status = back_to
    alert.updated_at = utcnow()
    session.flush()
    changes = {
        "status": {"old": S.closed, "new": back_to},
        "reason": {"old": None, "new": data.reason},
    }
    audit.record(session, principal, "alert.reopen", "alert", alert.id, changes)
    return alert


def _before_closed(alert: Alert) -> S:
    """The first step from which its workflow closes (an alert closed with no recorded step)."""
    return next(status for status, nexts in FLOWS[alert.kind].items() if S.closed in nexts)
