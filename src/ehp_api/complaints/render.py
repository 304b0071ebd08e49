"""Rendering complaints for their readers: set-based, one query per kind of name per page, never
one per complaint."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from ehp_api.complaints import deadlines
from ehp_api.complaints.models import (
    Category,
    Complaint,
    VictimAssistance,
)
from ehp_api.complaints.schemas import (
    AssistancePublic,
    ComplainantPublic,
    ComplaintIdentified,
    ComplaintPublic,
)
from ehp_api.core.db import utcnow
from ehp_api.locations import service as locations_service
from ehp_api.organisations import service as organisations_service


@dataclass(frozen=True)
class Names:
    organisations: dict[int, str]
    locations: dict[int, str]


def names(session: Session) -> Names:
    """The codes complaints name, from the lookups kept per version of the reference data (no
    query: `organisations.service.codes`, `locations.service.pcodes`)."""
    return Names(organisations_service.codes(session), locations_service.pcodes(session))


def _assistance(session: Session, complaints: list[Complaint]) -> dict[int, list[AssistancePublic]]:
    sea_ids = [c.id for c in complaints if c.category == Category.sea_allegation]
    result: dict[int, list[AssistancePublic]] = {i: [] for i in sea_ids if i is not None}
    if not sea_ids:
        return result
    rows = session.exec(
        select(VictimAssistance)
        .where(VictimAssistance.complaint_id.in_(sea_ids))
        .order_by(VictimAssistance.id)
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
    codes = names(session)
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


def event_data(complaint: Complaint, referred_to: str | None = None) -> dict[str, Any]:
    """What an event about the complaint carries: dates, codes and its id; never its
    description, identity or place (a receiver reads the rest with its own credentials)."""
    data: dict[str, Any] = {
        "id": complaint.id,
        "category": complaint.category.value,
        "status": complaint.status.value,
        "received_on": complaint.received_on.isoformat(),
        "referral_due_on": complaint.referral_due_on.isoformat(),
    }
    if referred_to is not None:
        data |= {
            "referred_to": referred_to,
            "referred_on": complaint.referred_on.isoformat() if complaint.referred_on else None,
            "response_due_on": (
                complaint.response_due_on.isoformat() if complaint.response_due_on else None
            ),
        }
    return data
