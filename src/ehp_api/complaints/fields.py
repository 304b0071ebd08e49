"""Setting a complaint's fields from what the caller sent: the checks that need the database
or the rules of the domain, and the lookups of codes. Messages name fields, never values."""

from datetime import date
from typing import Any, NoReturn

from sqlmodel import Session, select

from ehp_api.complaints import render
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.models import Category, Complaint, VictimAssistance
from ehp_api.complaints.schemas import AssistanceIn, ComplainantIn, ComplaintCreate, ComplaintUpdate
from ehp_api.core.db import utcnow
from ehp_api.core.errors import InvalidInput, InvalidParam, NotFound
from ehp_api.core.i18n import tr
from ehp_api.locations import service as locations_service
from ehp_api.locations.models import LIPTAKO, OTHER
from ehp_api.organisations import service as organisations_service


def sensitivity(category: Category, given: bool | None, current: bool = False) -> bool:
    """SEA allegations are always sensitive; others as given, or as they were."""
    if category != Category.sea_allegation:
        return current if given is None else given
    if given is False:
        refuse("sensitive", tr("an SEA allegation is always sensitive"), "sea_is_sensitive")
    return True


def check_sea_fields(category: Category, data: ComplaintCreate | ComplaintUpdate) -> None:
    if category == Category.sea_allegation:
        return
    for name in ("victim_assistance", "assistance_declined"):
        if getattr(data, name) not in (None, False):
            refuse(name, tr("only SEA allegations record victim assistance"), "sea_only")


def check_received_on(received_on: date) -> None:
    if received_on > utcnow().date():
        refuse("received_on", tr("cannot be in the future"), "date_in_future")


def refuse(field: str, reason: str, code: str) -> NoReturn:
    param = InvalidParam(location="body", field=field, reason=reason, code=code)
    raise InvalidInput(
        tr(
            "{field}: {reason}.",
            field=field,
            reason=reason,
        ),
        errors=[param],
    )


def complainant_columns(cipher: IdentityCipher, complainant: ComplainantIn) -> dict[str, Any]:
    person = complainant.identity()
    return {
        "anonymous": complainant.anonymous,
        "sex": complainant.sex,
        "age_group": complainant.age_group,
        "consent_to_contact": complainant.consent_to_contact,
        "consent_to_share_identity": complainant.consent_to_share_identity,
        "identity_token": cipher.seal(person) if person else None,
    }


def pcode_of(session: Session, complaint: Complaint) -> str | None:
    return render.names(session).locations.get(complaint.location_id or 0)


def set_location(session: Session, complaint: Complaint, pcode: str | None) -> None:
    if pcode is None:
        complaint.location_id, complaint.zone = None, None
        return
    try:
        location = locations_service.place(session, pcode)
    except NotFound as exc:
        refuse("location", exc.detail, "unknown_location")
    in_area = locations_service.is_in_focus_area(session, LIPTAKO, location, complaint.received_on)
    complaint.location_id, complaint.zone = location.id, LIPTAKO if in_area else OTHER


def set_concerned(session: Session, complaint: Complaint, code: str | None) -> None:
    if code is None:
        complaint.organisation_concerned_id = None
        return
    complaint.organisation_concerned_id = organisations_service.id_of(
        session, code, field="organisation_concerned"
    )


def replace_assistance(session: Session, complaint: Complaint, rows: list[AssistanceIn]) -> None:
    for old in session.exec(
        select(VictimAssistance).where(VictimAssistance.complaint_id == complaint.id)
    ):
        session.delete(old)
    for row in rows:
        session.add(VictimAssistance(complaint_id=complaint.id or 0, **row.model_dump()))
