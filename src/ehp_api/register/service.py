"""The register's meetings, thematic notes and information requests: recording, correcting and
listing them; every write audited."""

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlmodel import Session, SQLModel, select

from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.core.errors import InvalidInput, InvalidParam, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.principal import Principal
from ehp_api.organisations import service as organisations
from ehp_api.periods import service as periods_service
from ehp_api.register.models import (
    ActionPoint,
    Decision,
    InformationRequest,
    Meeting,
    MeetingKind,
    ProtectionArea,
    ThematicNote,
)
from ehp_api.register.schemas import (
    InformationRequestIn,
    InformationRequestUpdate,
    MeetingIn,
    MeetingUpdate,
    ThematicNoteIn,
    ThematicNoteUpdate,
)

Entry = TypeVar("Entry", Meeting, ThematicNote, InformationRequest, Decision, ActionPoint)
_STAMPS = {"id", "created_by", "created_at", "updated_at"}
# The days the register records as past: none may be later than today.
_PAST_DAYS = ("held_on", "received_on", "asked_on", "answered_on", "decided_on")
ENTITIES: dict[type[SQLModel], str] = {
    Meeting: "register_meeting",
    ThematicNote: "register_note",
    InformationRequest: "register_information_request",
    Decision: "register_decision",
    ActionPoint: "register_action_point",
}


def invalid(field: str, reason: str, code: str) -> InvalidInput:
    param = InvalidParam(location="body", field=field, reason=reason, code=code)
    return InvalidInput(reason, errors=[param])


def check_past(row: SQLModel) -> None:
    for field in _PAST_DAYS:
        day = getattr(row, field, None)
        if day is not None and day > date.today():
            raise invalid(field, tr("a day in the future"), "date_in_future")


def snapshot(row: SQLModel) -> dict[str, Any]:
    return {k: v for k, v in row.model_dump(mode="json").items() if k not in _STAMPS}


def get(session: Session, model: type[Entry], entry_id: int) -> Entry:
    row = session.get(model, entry_id)
    if row is None:
        raise NotFound(tr("No register entry {id}.", id=entry_id))
    return row


def in_period(stmt: Select[Any], session: Session, column: Any, period: str | None) -> Any:
    if period is None:
        return stmt
    found = periods_service.get_by_code(session, period)
    return stmt.where(column >= found.starts_on, column <= found.ends_on)


def record(session: Session, principal: Principal, row: SQLModel, before: Any = None) -> None:
    """Flush the entry and audit its creation (`before` None) or its change."""
    check_past(row)
    entity, after = ENTITIES[type(row)], snapshot(row)
    changes = audit.diff(before, after)
    if before is not None and not changes:
        return
    if before is not None:
        row.updated_at = utcnow()
    session.add(row)
    session.flush()
    action = f"{entity}.{'create' if before is None else 'update'}"
    audit.record(session, principal, action, entity, getattr(row, "id", None), changes)


def create_entry(session: Session, principal: Principal, row: Entry) -> Entry:
    record(session, principal, row)
    return row


def change_entry(
    session: Session, principal: Principal, row: Entry, changes: dict[str, Any]
) -> Entry:
    before = snapshot(row)
    for field, value in changes.items():
        setattr(row, field, value)
    if isinstance(row, InformationRequest):
        _check_request(row)
    record(session, principal, row, before)
    return row


def create_meeting(session: Session, principal: Principal, data: MeetingIn) -> Meeting:
    return create_entry(session, principal, Meeting(**data.model_dump(), created_by=principal.name))


def update_meeting(
    session: Session, principal: Principal, meeting_id: int, data: MeetingUpdate
) -> Meeting:
    changes = data.model_dump(exclude_unset=True)
    return change_entry(session, principal, get(session, Meeting, meeting_id), changes)


def list_meetings(
    session: Session,
    page: PageParams,
    period: str | None,
    kind: MeetingKind | None,
    protection_on_agenda: bool | None,
) -> tuple[list[Meeting], str | None]:
    stmt = in_period(select(Meeting), session, Meeting.held_on, period)
    if kind is not None:
        stmt = stmt.where(Meeting.kind == kind)
    if protection_on_agenda is not None:
        stmt = stmt.where(Meeting.protection_on_agenda == protection_on_agenda)
    return paginate(session, stmt, Meeting.id, page)


def create_note(session: Session, principal: Principal, data: ThematicNoteIn) -> ThematicNote:
    row = ThematicNote(**data.model_dump(), created_by=principal.name)
    return create_entry(session, principal, row)


def update_note(
    session: Session, principal: Principal, note_id: int, data: ThematicNoteUpdate
) -> ThematicNote:
    changes = data.model_dump(exclude_unset=True)
    return change_entry(session, principal, get(session, ThematicNote, note_id), changes)


def list_notes(
    session: Session,
    page: PageParams,
    period: str | None,
    area: ProtectionArea | None,
    deliberated: bool | None,
) -> tuple[list[ThematicNote], str | None]:
    stmt = in_period(select(ThematicNote), session, ThematicNote.received_on, period)
    if area is not None:
        stmt = stmt.where(ThematicNote.area == area)
    if deliberated is not None:
        stmt = stmt.where(ThematicNote.deliberated == deliberated)
    return paginate(session, stmt, ThematicNote.id, page)


def _check_request(row: InformationRequest) -> None:
    """An answer (and a due date) comes after the question; a note supplied was an answer."""
    for field in ("due_on", "answered_on"):
        day = getattr(row, field)
        if day is not None and day < row.asked_on:
            raise invalid(field, tr("before the day it was asked"), "date_out_of_order")
    if row.note_supplied and row.answered_on is None:
        raise invalid(
            "answered_on", tr("a note supplied needs the day it answered"), "answer_date_required"
        )


def _asked_by(session: Session, code: str) -> int:
    return organisations.get_by_code(session, code, field="asked_by").id or 0


def create_request(
    session: Session, principal: Principal, data: InformationRequestIn
) -> InformationRequest:
    values = data.model_dump(exclude={"asked_by"})
    row = InformationRequest(
        **values, asked_by_organisation_id=_asked_by(session, data.asked_by),
        created_by=principal.name,
    )  # fmt: skip
    _check_request(row)
    return create_entry(session, principal, row)


def update_request(
    session: Session, principal: Principal, request_id: int, data: InformationRequestUpdate
) -> InformationRequest:
    changes = data.model_dump(exclude_unset=True)
    if "asked_by" in changes:
        changes["asked_by_organisation_id"] = _asked_by(session, changes.pop("asked_by"))
    return change_entry(session, principal, get(session, InformationRequest, request_id), changes)


def list_requests(
    session: Session, page: PageParams, period: str | None, answered: bool | None
) -> tuple[list[InformationRequest], str | None]:
    stmt = in_period(select(InformationRequest), session, InformationRequest.asked_on, period)
    if answered is not None:
        column = InformationRequest.answered_on
        stmt = stmt.where(column.is_not(None) if answered else column.is_(None))
    return paginate(session, stmt, InformationRequest.id, page)
