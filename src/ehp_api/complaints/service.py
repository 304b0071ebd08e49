"""Complaints: recording, correcting and reading them, through the visibility rules of policy.py."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.complaints import deadlines, fields, identity, render
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintStatus,
    ComplaintStep,
)
from ehp_api.complaints.policy import (
    audience,
    coordinates,
    may_see_identity,
    record_change,
    snapshot,
    visible_to,
)
from ehp_api.complaints.schemas import (
    ComplaintCreate,
    ComplaintIdentified,
    ComplaintPublic,
    ComplaintUpdate,
)
from ehp_api.core.db import MAX_ID, utcnow
from ehp_api.core.errors import Conflict, Forbidden, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate_in
from ehp_api.core.principal import Principal
from ehp_api.core.query_filters import known_ids
from ehp_api.core.row_locks import lock_for_update
from ehp_api.events import service as events
from ehp_api.events.models import EventType
from ehp_api.locations.service import place_ids
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service
from ehp_api.web.validators import check_if_match


def get(session: Session, principal: Principal, complaint_id: int) -> Complaint:
    stmt = select(Complaint).where(Complaint.id == complaint_id)
    condition = visible_to(principal)
    if condition is not None:
        stmt = stmt.where(condition)
    complaint = session.exec(stmt).first()
    if complaint is None:
        raise NotFound(
            tr(
                "No complaint {complaint_id} that you may see.",
                complaint_id=complaint_id,
            )
        )
    return complaint


def visible(session: Session, principal: Principal, complaint: Complaint) -> bool:
    """Whether the caller may still read the complaint (a change can end that)."""
    condition = visible_to(principal)
    if condition is None:
        return True
    stmt = select(Complaint.id).where(Complaint.id == complaint.id, condition)
    return session.exec(stmt).first() is not None


def read(
    session: Session, principal: Principal, cipher: IdentityCipher, complaint_id: int
) -> ComplaintPublic | ComplaintIdentified:
    """One complaint as the caller may see it; reading a confidential one or identity is audited."""
    complaint = get(session, principal, complaint_id)
    if complaint.sensitive:
        audit.record(
            session, principal, "complaint.read", "complaint", complaint.id, confidential=True
        )
    shown = view(session, principal, cipher, complaint)
    if not isinstance(shown, ComplaintIdentified):
        return shown
    audit.record(
        session,
        principal,
        "complaint.identity_read",
        "complaint",
        complaint.id,
        confidential=complaint.sensitive,
    )
    return shown


def check_seen(
    session: Session,
    principal: Principal,
    cipher: IdentityCipher,
    complaint_id: int,
    if_match: str | None,
) -> None:
    """412 if `If-Match` names another version than the one the caller would read now; locked
    first, so that the write that follows applies to the version checked."""
    if if_match is None:
        return
    lock_for_update(session, Complaint, complaint_id)
    complaint = get(session, principal, complaint_id)
    check_if_match(if_match, view(session, principal, cipher, complaint), "complaint")


def view(
    session: Session, principal: Principal, cipher: IdentityCipher, complaint: Complaint
) -> ComplaintPublic | ComplaintIdentified:
    """The complaint as the caller reads it (identity if it may see it), put on record by none:
    what `read` answers, and what an `If-Match` is compared with."""
    public = render.to_public(session, [complaint])[0]
    if complaint.identity_token is None or not may_see_identity(principal, complaint):
        return public
    return render.identified(public, cipher.open(complaint.identity_token))


def create(
    session: Session,
    principal: Principal,
    cipher: IdentityCipher,
    data: ComplaintCreate,
    *,
    kobo_uuid: str | None = None,
    follow_up_code: str | None = None,
) -> tuple[Complaint, str]:
    """Record a complaint; returns it with its follow-up code (given, or a new one)."""
    if principal.organisation_id is None:
        raise Forbidden(tr("Complaints are recorded by an organisation's user or key."))
    fields.check_received_on(data.received_on)
    given = data.sensitive if "sensitive" in data.model_fields_set else None
    sensitive = fields.sensitivity(data.category, given)
    fields.check_sea_fields(data.category, data)
    code = follow_up_code or identity.new_follow_up_code()
    complaint = Complaint(
        id=new_id(session),
        channel=data.channel,
        category=data.category,
        sensitive=sensitive,
        received_on=data.received_on,
        description=data.description,
        programme=data.programme,
        language=data.language,
        assistance_declined=bool(data.assistance_declined),
        **fields.complainant_columns(cipher, data.complainant),
        follow_up_code_hash=identity.hash_code(code),
        kobo_uuid=kobo_uuid,
        status=ComplaintStatus.received,
        recorded_by_organisation_id=principal.organisation_id,
        recorded_by=principal.name,
        referral_due_on=deadlines.referral_due_on(
            session, data.category, sensitive, data.received_on
        ),
    )
    fields.set_location(session, complaint, data.location)
    fields.set_concerned(session, complaint, data.organisation_concerned)
    session.add(complaint)
    session.flush()
    fields.replace_assistance(session, complaint, data.victim_assistance or [])
    session.add(
        ComplaintStep(
            complaint_id=complaint.id or 0,
            to_status=ComplaintStatus.received,
            on=data.received_on,
            details={"channel": data.channel.value},
            recorded_by=principal.name,
        )
    )
    record_change(session, principal, "complaint.create", complaint, None)
    session.flush()
    if complaint.category == Category.sea_allegation:
        announce(session, complaint, EventType.complaint_created)
    return complaint, code


def announce(
    session: Session,
    complaint: Complaint,
    type_: EventType,
    referred_to: str | None = None,
    *,
    reclassified: bool = False,
) -> None:
    """An event about the complaint into the outbox, for webhooks and e-mail alike."""
    readers = audience(complaint)
    data = render.event_data(complaint, referred_to)
    if reclassified:
        data["reclassified"] = True
    events.emit(session, type_, f"complaint/{complaint.id}", data, readers, mail=readers)


def new_id(session: Session) -> int:
    """A random id, not the next number: those who may not see confidential complaints see the
    ids of others, and gaps in a sequence would count the confidential ones between them."""
    while True:
        candidate = secrets.randbelow(MAX_ID) + 1
        if session.get(Complaint, candidate) is None:
            return candidate


def update(
    session: Session,
    principal: Principal,
    cipher: IdentityCipher,
    complaint_id: int,
    data: ComplaintUpdate,
) -> Complaint:
    """Correct a complaint: the organisation that recorded it, or the coordinators."""
    lock_for_update(session, Complaint, complaint_id)  # a step in flight ends first
    complaint = get(session, principal, complaint_id)
    if not coordinates(principal) and complaint.recorded_by_organisation_id != (
        principal.organisation_id
    ):
        raise Forbidden(
            tr(
                "Only the organisation that recorded a complaint, or the secretariat, corrects it.",
            )
        )
    if complaint.status == ComplaintStatus.closed:
        raise Conflict(tr("The complaint is closed; it can no longer be changed."))
    before = snapshot(complaint)
    was_sea = complaint.category == Category.sea_allegation
    _apply_update(session, cipher, complaint, data, data.model_dump(exclude_unset=True))
    if snapshot(complaint) != before:
        complaint.updated_at = utcnow()
        record_change(session, principal, "complaint.update", complaint, before)
    session.flush()
    if not was_sea and complaint.category == Category.sea_allegation:
        # Reclassified: the PSEA focal points are told as of a new allegation, and no one else
        # (it is confidential now, `audience`), whoever was told of it before.
        announce(session, complaint, EventType.complaint_created, reclassified=True)
    return complaint


_PLAIN = ("channel", "category", "received_on", "description", "programme", "language")


def _apply_update(
    session: Session,
    cipher: IdentityCipher,
    complaint: Complaint,
    data: ComplaintUpdate,
    sent: dict[str, Any],
) -> None:
    for name in _PLAIN:
        if name in sent:
            setattr(complaint, name, getattr(data, name))
    complaint.sensitive = fields.sensitivity(
        complaint.category, sent.get("sensitive"), complaint.sensitive
    )
    fields.check_sea_fields(complaint.category, data)
    fields.check_received_on(complaint.received_on)
    if "location" in sent or "received_on" in sent:
        pcode = sent["location"] if "location" in sent else fields.pcode_of(session, complaint)
        fields.set_location(session, complaint, pcode)
    if "organisation_concerned" in sent:
        fields.set_concerned(session, complaint, data.organisation_concerned)
    if data.complainant is not None:
        for name, value in fields.complainant_columns(cipher, data.complainant).items():
            setattr(complaint, name, value)
    if data.victim_assistance is not None:
        fields.replace_assistance(session, complaint, data.victim_assistance)
    if data.assistance_declined is not None:
        complaint.assistance_declined = data.assistance_declined
    if {"category", "sensitive", "received_on"} & set(sent):
        complaint.referral_due_on = deadlines.referral_due_on(
            session, complaint.category, complaint.sensitive, complaint.received_on
        )


@dataclass(frozen=True)
class Filters:
    status: ComplaintStatus | None = None
    category: Category | None = None
    channel: Channel | None = None
    location: str | None = None
    zone: str | None = None
    organisation_concerned: str | None = None
    overdue: bool | None = None
    period: str | None = None
    updated_since: datetime | None = None


def filtered(session: Session, stmt: Any, filters: Filters, today: date) -> Any:
    equal = {
        Complaint.status: filters.status,
        Complaint.category: filters.category,
        Complaint.channel: filters.channel,
        Complaint.zone: filters.zone,
    }
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.location is not None:
        stmt = stmt.where(Complaint.location_id.in_(place_ids(session, filters.location)))
    if filters.organisation_concerned is not None:
        code = filters.organisation_concerned
        named = select(Organisation.id).where(Organisation.code == code)
        org_ids = known_ids(session, named, "organisation_concerned", code)
        stmt = stmt.where(Complaint.organisation_concerned_id.in_(org_ids))
    if filters.overdue is not None:
        late = deadlines.overdue(today)
        stmt = stmt.where(late if filters.overdue else ~late)
    if filters.period is not None:
        quarters = periods_service.quarters_of(session, filters.period, query_field="period")
        stmt = stmt.where(
            Complaint.received_on >= quarters[0].starts_on,
            Complaint.received_on <= quarters[-1].ends_on,
        )
    if filters.updated_since is not None:
        stmt = stmt.where(Complaint.updated_at >= filters.updated_since)
    return stmt


def list_(
    session: Session, principal: Principal, page: PageParams, filters: Filters, order: str = "id"
) -> tuple[list[ComplaintPublic], str | None]:
    """A page of the complaints the caller may see; a page holding confidential ones is audited."""
    stmt = filtered(session, select(Complaint), filters, utcnow().date())
    condition = visible_to(principal)
    if condition is not None:
        stmt = stmt.where(condition)
    rows, next_cursor = paginate_in(session, stmt, Complaint, page, order)
    confidential = [c.id for c in rows if c.sensitive]
    if confidential:
        changes = {"ids": {"old": None, "new": confidential}}
        audit.record(
            session, principal, "complaint.list_read", "complaint", None, changes, confidential=True
        )
    return render.to_public(session, rows), next_cursor
