"""What a complainant learns with a follow-up code: where the case is, and the answer once given.

Public (no credentials), so rate-limited per client address by the router, and every lookup,
found or not, is audited (without the code) to show guessing if it ever happens.
"""

from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.complaints import identity
from ehp_api.complaints.models import Complaint, ComplaintStatus
from ehp_api.complaints.schemas import FollowUpPublic, PublicStatus

PUBLIC_STATUS: dict[ComplaintStatus, PublicStatus] = {
    # A referral refused by one organisation is still being handled: the person sees no change.
    ComplaintStatus.received: "received",
    ComplaintStatus.rejected: "received",
    ComplaintStatus.referred: "in_progress",
    ComplaintStatus.accepted: "in_progress",
    ComplaintStatus.responded: "responded",
    ComplaintStatus.closed: "closed",
}
_CALLER = audit.anonymous("follow-up code holder")


def look_up(session: Session, code: str, client: str) -> FollowUpPublic | None:
    complaint = session.exec(
        select(Complaint).where(Complaint.follow_up_code_hash == identity.hash_code(code))
    ).first()
    found = complaint is not None
    changes = {"found": {"old": None, "new": found}, "client_ip": {"old": None, "new": client}}
    entity_id = complaint.id if complaint is not None else None
    confidential = bool(complaint and complaint.sensitive)
    audit.record(
        session,
        _CALLER,
        "complaint.follow_up",
        "complaint",
        entity_id,
        changes,
        confidential=confidential,
    )
    if complaint is None:
        return None
    response = complaint.response if complaint.responded_on is not None else None
    return FollowUpPublic(status=PUBLIC_STATUS[complaint.status], response=response)
