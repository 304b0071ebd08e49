"""Rendering complaints for their readers, and the list filters: set-based, one query per kind
of name per page, never one per complaint."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from ehp_api.complaints import deadlines
from ehp_api.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintStatus,
    VictimAssistance,
)
from ehp_api.complaints.public import (
    AssistancePublic,
    ComplainantPublic,
    ComplaintIdentified,
    ComplaintPublic,
)
from ehp_api.core.db import utcnow
from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.locations.models import Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service


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


@dataclass(frozen=True)
class Names:
    organisations: dict[int, str]
    locations: dict[int, str]


def names(session: Session, complaints: list[Complaint]) -> Names:
    org_ids = {
        i
        for c in complaints
        for i in (c.recorded_by_organisation_id, c.referred_to_id, c.organisation_concerned_id)
        if i is not None
    }
    loc_ids = {c.location_id for c in complaints if c.location_id is not None}
    organisations = (
        dict(
            session.exec(
                select(Organisation.id, Organisation.code).where(Organisation.id.in_(org_ids))
            ).all()
        )  # type: ignore[union-attr]
        if org_ids
        else {}
    )
    locations = (
        dict(
            session.exec(select(Location.id, Location.pcode).where(Location.id.in_(loc_ids))).all()
        )  # type: ignore[union-attr]
        if loc_ids
        else {}
    )
    return Names(organisations, locations)  # type: ignore[arg-type]


def _assistance(session: Session, complaints: list[Complaint]) -> dict[int, list[AssistancePublic]]:
    sea_ids = [c.id for c in complaints if c.category == Category.sea_allegation]
    result: dict[int, list[AssistancePublic]] = {i: [] for i in sea_ids if i is not None}
    if not sea_ids:
        return result
    rows = session.exec(
        select(VictimAssistance)
        .where(VictimAssistance.complaint_id.in_(sea_ids))  # type: ignore[attr-defined]
        .order_by(VictimAssistance.id)  # type: ignore[arg-type]
    ).all()
    for row in rows:
        result[row.complaint_id].append(AssistancePublic.model_validate(row.model_dump()))
    return result


_PLAIN = {
    "id", "channel", "category", "sensitive", "received_on", "zone", "description", "programme",
    "language", "status", "recorded_by", "referral_due_on", "first_referred_on", "referred_on",
    "response_due_on", "accepted_on", "response", "response_method", "responded_on", "outcome",
    "outcome_note", "closed_on", "rejection_reason", "created_at", "updated_at",
}  # fmt: skip


def to_public(session: Session, complaints: list[Complaint]) -> list[ComplaintPublic]:
    codes = names(session, complaints)
    assistance = _assistance(session, complaints)
    today = utcnow().date()
    return [_public(c, codes, assistance, today) for c in complaints]


def _public(
    complaint: Complaint,
    codes: Names,
    assistance: dict[int, list[AssistancePublic]],
    today: date,
) -> ComplaintPublic:
    sea = complaint.category == Category.sea_allegation
    org = codes.organisations.get
    return ComplaintPublic(
        **complaint.model_dump(include=_PLAIN),
        location=codes.locations.get(complaint.location_id or 0),
        organisation_concerned=org(complaint.organisation_concerned_id or 0),
        recorded_by_organisation=org(complaint.recorded_by_organisation_id, ""),
        referred_to=org(complaint.referred_to_id or 0),
        complainant=ComplainantPublic(
            anonymous=complaint.anonymous,
            sex=complaint.sex,
            age_group=complaint.age_group,
            consent_to_contact=complaint.consent_to_contact,
            consent_to_share_identity=complaint.consent_to_share_identity,
            identity_on_file=complaint.identity_token is not None,
            identity_purged_at=complaint.identity_purged_at,
        ),
        overdue=deadlines.is_overdue(complaint, today),
        victim_assistance=assistance.get(complaint.id or 0, []) if sea else None,
        assistance_declined=complaint.assistance_declined if sea else None,
    )


def identified(public: ComplaintPublic, person: dict[str, Any]) -> ComplaintIdentified:
    data = public.model_dump()
    data["complainant"] |= {"name": person.get("name"), "phone": person.get("phone")}
    return ComplaintIdentified.model_validate(data)


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
        stmt = stmt.where(Complaint.location_id.in_(_places(session, filters.location)))  # type: ignore[union-attr]
    if filters.organisation_concerned is not None:
        org_id = _organisation_id(session, filters.organisation_concerned)
        stmt = stmt.where(Complaint.organisation_concerned_id == org_id)
    if filters.overdue is not None:
        late = deadlines.overdue(today)
        stmt = stmt.where(late if filters.overdue else ~late)
    if filters.period is not None:
        quarters = periods_service.quarters_of(session, filters.period, query_field="period")
        stmt = stmt.where(
            Complaint.received_on >= quarters[0].starts_on,
            Complaint.received_on <= quarters[-1].ends_on,
        )
    return stmt


def _unknown(field: str, detail: str, code: str) -> InvalidInput:
    param = InvalidParam(location="query", field=field, reason=detail, code=code)
    return InvalidInput(detail, errors=[param])


def _places(session: Session, pcode: str) -> list[int]:
    """The location and, for a region, its cercles."""
    place = session.exec(select(Location).where(Location.pcode == pcode)).first()
    if place is None:
        raise _unknown("location", f"No location has the P-code {pcode!r}.", "unknown_location")
    children = session.exec(select(Location.id).where(Location.parent_id == place.id)).all()
    return [place.id or 0, *children]


def _organisation_id(session: Session, code: str) -> int:
    found = session.exec(select(Organisation.id).where(Organisation.code == code)).first()
    if found is None:
        detail = f"No organisation has the code {code!r}."
        raise _unknown("organisation_concerned", detail, "unknown_organisation")
    return found
