"""The complaint workflow: received -> referred -> accepted -> responded -> closed, with rejected
sending a referral back to the sender. Each step is in the timeline with the day it happened."""

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.complaints import policy, render, service
from ehp_api.complaints.models import Complaint, ComplaintStatus, ComplaintStep, Outcome
from ehp_api.complaints.schemas import ComplaintTransitionIn, StepPublic
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, Forbidden, InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.core.row_locks import lock_for_update
from ehp_api.events.models import EventType
from ehp_api.organisations import service as organisations_service

S = ComplaintStatus
ALLOWED: dict[ComplaintStatus, set[ComplaintStatus]] = {
    S.received: {S.referred, S.closed},
    S.referred: {S.accepted, S.rejected},
    S.accepted: {S.responded},
    S.rejected: {S.referred, S.closed},
    S.responded: {S.closed},
    S.closed: set(),
}
# The fields each target state takes; `closed` also needs `adjustment` or `reason` by outcome.
FIELDS: dict[ComplaintStatus, tuple[str, ...]] = {
    S.referred: ("organisation", "due_on"),
    S.accepted: (),
    S.rejected: ("reason",),
    S.responded: ("response", "response_method"),
    S.closed: ("outcome",),
}
_OUTCOME_FIELD = {Outcome.adjusted: "adjustment", Outcome.no_change_needed: "reason"}
_COMMON = {"to", "on", "note"}


def transition(
    session: Session, principal: Principal, complaint_id: int, data: ComplaintTransitionIn
) -> Complaint:
    # Locked before its state is read: a concurrent step waits, then meets the state this one
    # leaves (see `row_locks`), so two steps from one state cannot both pass the guard.
    lock_for_update(session, Complaint, complaint_id)
    complaint = service.get(session, principal, complaint_id)
    if data.to not in ALLOWED[complaint.status]:
        allowed = ", ".join(sorted(ALLOWED[complaint.status])) or tr("none (it is closed)")
        raise Conflict(
            tr(
                "The complaint is {status}; it cannot become {to}. Allowed from here: {allowed}.",
                status=complaint.status,
                to=data.to,
                allowed=allowed,
            )
        )
    _check_party(principal, complaint, data.to)
    on = _check_fields(session, complaint, data)
    before = policy.snapshot(complaint)
    details = _APPLY[data.to](session, complaint, data, on)
    complaint.status, complaint.updated_at = data.to, utcnow()
    session.add(
        ComplaintStep(
            complaint_id=complaint.id or 0,
            from_status=before["status"],
            to_status=data.to,
            on=on,
            note=data.note,
            details=details,
            recorded_by=principal.name,
        )
    )
    policy.record_change(session, principal, f"complaint.{data.to}", complaint, before)
    session.flush()
    if data.to == S.referred:
        service.announce(session, complaint, EventType.complaint_referred, details["organisation"])
    return complaint


def _check_party(principal: Principal, complaint: Complaint, to: ComplaintStatus) -> None:
    """The sender refers; the organisation it is referred to accepts, rejects and responds;
    either closes. The coordinators may record any step on someone's behalf."""
    if policy.coordinates(principal):
        return
    sender, receiver = complaint.recorded_by_organisation_id, complaint.referred_to_id
    by_step: dict[S, set[int | None]] = {S.referred: {sender}, S.closed: {sender, receiver}}
    parties = by_step.get(to, {receiver})
    if principal.organisation_id not in parties:
        raise Forbidden(
            tr(
                "Only the organisation that recorded it (or the secretariat) may move this "
                "complaint to {to}.",
                to=to,
            )
            if to == S.referred
            else tr(
                "Only the organisation it is referred to (or the secretariat) may move this "
                "complaint to {to}.",
                to=to,
            )
        )


def _refusal(field: str, reason: str, code: str) -> InvalidInput:
    param = InvalidParam(location="body", field=field, reason=reason, code=code)
    return InvalidInput(
        tr(
            "{field}: {reason}.",
            field=field,
            reason=reason,
        ),
        errors=[param],
    )


def _check_fields(session: Session, complaint: Complaint, data: ComplaintTransitionIn) -> date:
    """Every field the target needs, none it does not take, and dates in order; returns `on`."""
    needed = list(FIELDS[data.to])
    if data.to == S.closed:
        _check_outcome(complaint, data.outcome)
        if data.outcome in _OUTCOME_FIELD:
            needed.append(_OUTCOME_FIELD[data.outcome])
    missing = [f for f in needed if getattr(data, f) is None]
    extra = sorted(data.model_fields_set - _COMMON - set(needed))
    errors = [
        *(InvalidParam(location="body", field=f, reason=tr(
"{to} needs it",
to=data.to,
), code="missing")
          for f in missing),
        *(InvalidParam(location="body", field=f, reason=tr(
"not a field of {to}",
to=data.to,
),
                       code="not_for_this_step") for f in extra),
    ]  # fmt: skip
    if errors:
        summary = "; ".join(f"{e.field}: {e.reason}" for e in errors)
        raise InvalidInput(tr(
"The step to {to} is incomplete or has extra fields: {summary}.",
to=data.to,
summary=summary,
),
                           errors=errors)  # fmt: skip
    return _check_dates(session, complaint, data)


def _check_outcome(complaint: Complaint, outcome: Outcome | None) -> None:
    # Only a complaint that was answered can be closed as adjusted or needing no change.
    if outcome not in (None, Outcome.not_in_scope) and complaint.status != S.responded:
        reason = tr("without a response, only not_in_scope closes it")
        raise _refusal("outcome", reason, "outcome")


def _check_dates(session: Session, complaint: Complaint, data: ComplaintTransitionIn) -> date:
    on = data.on or utcnow().date()
    if on > utcnow().date():
        raise _refusal("on", tr("cannot be in the future"), "date_in_future")
    last = session.exec(
        select(ComplaintStep.on)
        .where(ComplaintStep.complaint_id == complaint.id)
        .order_by(ComplaintStep.id.desc())
    ).first()
    if last is not None and on < last:
        reason = tr("is before the previous step ({last})", last=last.isoformat())
        raise _refusal("on", reason, "date_order")
    if data.due_on is not None and data.due_on < on:
        raise _refusal("due_on", tr("is before the referral"), "date_order")
    return on


def _refer(session: Session, c: Complaint, d: ComplaintTransitionIn, on: date) -> dict[str, Any]:
    organisation = organisations_service.get_by_code(
        session, d.organisation or "", field="organisation"
    )
    c.referred_to_id, c.referred_on, c.response_due_on = organisation.id, on, d.due_on
    c.first_referred_on = c.first_referred_on or on
    c.accepted_on = None
    return {"organisation": organisation.code, "due_on": d.due_on.isoformat() if d.due_on else None}


def _accept(_s: Session, c: Complaint, _d: ComplaintTransitionIn, on: date) -> dict[str, Any]:
    c.accepted_on = on
    return {}


def _reject(session: Session, c: Complaint, d: ComplaintTransitionIn, _on: date) -> dict[str, Any]:
    codes = render.names(session).organisations
    details = {"organisation": codes.get(c.referred_to_id or 0), "reason": d.reason}
    c.rejection_reason = d.reason
    c.referred_to_id = c.referred_on = c.response_due_on = c.accepted_on = None
    return details


def _respond(_s: Session, c: Complaint, d: ComplaintTransitionIn, on: date) -> dict[str, Any]:
    c.response, c.response_method, c.responded_on = d.response, d.response_method, on
    method = d.response_method.value if d.response_method else None
    return {"response": d.response, "response_method": method}


def _close(_s: Session, c: Complaint, d: ComplaintTransitionIn, on: date) -> dict[str, Any]:
    c.outcome, c.closed_on = d.outcome, on
    c.outcome_note = d.adjustment or d.reason
    outcome = d.outcome.value if d.outcome else None
    return {"outcome": outcome, "adjustment": d.adjustment, "reason": d.reason}


_APPLY: dict[ComplaintStatus, Callable[..., dict[str, Any]]] = {
    S.referred: _refer,
    S.accepted: _accept,
    S.rejected: _reject,
    S.responded: _respond,
    S.closed: _close,
}


def timeline(session: Session, principal: Principal, complaint_id: int) -> list[StepPublic]:
    """The complaint's steps in order; reading a confidential one is audited."""
    complaint = service.get(session, principal, complaint_id)
    steps = session.exec(
        select(ComplaintStep)
        .where(ComplaintStep.complaint_id == complaint.id)
        .order_by(ComplaintStep.id)
    ).all()
    if complaint.sensitive:
        audit.record(
            session,
            principal,
            "complaint.timeline_read",
            "complaint",
            complaint.id,
            confidential=True,
        )
    return [StepPublic.model_validate(s.model_dump()) for s in steps]
