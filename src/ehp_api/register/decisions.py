"""Decisions of the EHP and their action points: taken in a meeting or on an escalated alert
(a saisine, whose follow-up date becomes its action point's due date), followed up by the
organisations that own them, and listed and counted when overdue."""

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.alerts import service as alerts_service
from ehp_api.alerts.models import AlertEvent, AlertKind, AlertStatus
from ehp_api.core.errors import Conflict, Forbidden, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.principal import Principal
from ehp_api.organisations import service as organisations
from ehp_api.organisations.models import Organisation
from ehp_api.register import policy
from ehp_api.register.models import CLOSED_ACTIONS, ActionPoint, ActionStatus, Decision, Meeting
from ehp_api.register.schemas import ActionPointIn, ActionPointUpdate, DecisionIn
from ehp_api.register.service import change_entry, create_entry, get, in_period, invalid


def _owner(session: Session, code: str, field: str) -> int:
    return organisations.get_by_code(session, code, field=field).id or 0


def _point(
    session: Session, principal: Principal, decision: Decision, data: ActionPointIn, field: str
) -> ActionPoint:
    row = ActionPoint(
        decision_id=decision.id or 0, description=data.description, due_on=data.due_on,
        owner_organisation_id=_owner(session, data.owner, field), created_by=principal.name,
    )  # fmt: skip
    return create_entry(session, principal, row)


def create(session: Session, principal: Principal, data: DecisionIn) -> Decision:
    """A decision and its action points, in one write."""
    if data.meeting_id is not None and session.get(Meeting, data.meeting_id) is None:
        raise invalid("meeting_id", tr("no meeting of the register has this id"), "unknown_meeting")
    decision = create_entry(
        session,
        principal,
        Decision(
            decided_on=data.decided_on, text=data.text, meeting_id=data.meeting_id,
            created_by=principal.name,
        ),
    )  # fmt: skip
    for i, point in enumerate(data.action_points):
        _point(session, principal, decision, point, f"action_points.{i}.owner")
    return decision


def add_point(
    session: Session, principal: Principal, decision_id: int, data: ActionPointIn
) -> ActionPoint:
    return _point(session, principal, get(session, Decision, decision_id), data, "owner")


def _escalation(session: Session, alert_id: int) -> dict[str, Any]:
    """What the EHP decided when it escalated the alert (the step's details)."""
    details = session.exec(
        select(AlertEvent.details)
        .where(AlertEvent.alert_id == alert_id, AlertEvent.to_status == AlertStatus.escalated)
        .order_by(AlertEvent.id.desc())
    ).first()
    if details is None:
        raise Conflict(
            tr(
                "Alert {id} was never escalated to the EHP: only a saisine's decision is "
                "taken into the register.",
                id=alert_id,
            )
        )
    return details


def from_alert(session: Session, principal: Principal, alert_id: int) -> Decision:
    """The decision the EHP took on an escalated alert, with one action point: its accountable
    organisation follows up by the escalation's follow-up date."""
    alert = alerts_service.get(session, principal, alert_id)
    details = _escalation(session, alert_id) if alert.kind == AlertKind.ehp_referral else None
    if details is None:
        raise Conflict(tr("Alert {id} is no EHP referral (saisine).", id=alert_id))
    taken = select(Decision.id).where(Decision.alert_id == alert_id)
    if (existing := session.exec(taken).first()) is not None:
        raise Conflict(
            tr("Decision {decision} already answers alert {id}.", decision=existing, id=alert_id)
        )
    decision = create_entry(
        session,
        principal,
        Decision(
            decided_on=date.fromisoformat(details["meeting_on"]), text=details["decision"],
            alert_id=alert_id, created_by=principal.name,
        ),
    )  # fmt: skip
    point = ActionPointIn(
        description=details["decision"],
        owner=details["accountable_organisation"],
        due_on=date.fromisoformat(details["follow_up_due_on"]),
    )
    _point(session, principal, decision, point, "accountable_organisation")
    return decision


def list_(
    session: Session, page: PageParams, period: str | None
) -> tuple[list[Decision], str | None]:
    stmt = in_period(select(Decision), session, Decision.decided_on, period)
    return paginate(session, stmt, Decision.id, page)


def decided_in(session: Session, period: str) -> list[Decision]:
    """Every decision taken in the period, oldest first (a quarter holds a few dozen)."""
    stmt = in_period(select(Decision), session, Decision.decided_on, period)
    return list(session.exec(stmt.order_by(Decision.decided_on, Decision.id)).all())


def overdue_points(session: Session, today: date) -> list[ActionPoint]:
    """Every action point overdue today, the longest overdue first."""
    stmt = select(ActionPoint).where(_overdue(today)).order_by(ActionPoint.due_on, ActionPoint.id)
    return list(session.exec(stmt).all())


def _overdue(today: date) -> Any:
    return (ActionPoint.due_on < today) & ActionPoint.status.not_in(CLOSED_ACTIONS)


def list_points(
    session: Session,
    page: PageParams,
    *,
    overdue: bool | None = None,
    status: ActionStatus | None = None,
    organisation: str | None = None,
) -> tuple[list[ActionPoint], str | None]:
    stmt = select(ActionPoint)
    if overdue is not None:
        late = _overdue(date.today())
        stmt = stmt.where(late if overdue else ~late)
    if status is not None:
        stmt = stmt.where(ActionPoint.status == status)
    if organisation is not None:
        owner = organisations.get_by_code(session, organisation)
        stmt = stmt.where(ActionPoint.owner_organisation_id == owner.id)
    return paginate(session, stmt, ActionPoint.id, page)


def count_overdue(session: Session, today: date) -> dict[str, int]:
    """Overdue action points by owner organisation's code: one query."""
    rows = session.exec(
        select(Organisation.code, func.count())
        .select_from(ActionPoint)
        .join(Organisation, Organisation.id == ActionPoint.owner_organisation_id)
        .where(_overdue(today))
        .group_by(Organisation.code)
    ).all()
    return dict(sorted(rows))


def update_point(
    session: Session, principal: Principal, point_id: int, data: ActionPointUpdate
) -> ActionPoint:
    """The owner gives status and evidence; the secretariat may change any field."""
    point = get(session, ActionPoint, point_id)
    if not policy.may_update_action_point(principal, point):
        raise Forbidden(
            tr(
                "Action point {id} is not {organisation_code}'s: its owner and the "
                "secretariat update it.",
                id=point_id,
                organisation_code=principal.organisation_code,
            )
        )
    changes = data.model_dump(exclude_unset=True)
    refused = sorted(policy.fields_refused(principal, set(changes)))
    if refused:
        reason = tr("only the secretariat changes it")
        params = [InvalidParam(location="body", field=f, reason=reason, code="forbidden_field")
                  for f in refused]  # fmt: skip
        raise Forbidden(tr("You may change only the status and evidence."), errors=params)
    if "owner" in changes:
        changes["owner_organisation_id"] = _owner(session, changes.pop("owner"), "owner")
    if "evidence" in changes:
        changes["evidence"] = [link.model_dump() for link in data.evidence]
    return change_entry(session, principal, point, changes)
