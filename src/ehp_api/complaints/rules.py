"""Who sees which complaint, who sees identity, and what the audit log may show of a change.

Need to know, in the queries themselves: PSEA focal points read every complaint; for everyone
else a confidential complaint (SEA, or marked sensitive) does not exist; the secretariat reads the
others; a partner reads those its organisation recorded and those referred to it now.
"""

from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session

from ehp_api.audit import service as audit
from ehp_api.complaints.models import Complaint
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal


def visible_to(principal: Principal) -> ColumnElement[bool] | None:
    """What the caller may read; lists and lookups both go through this."""
    if principal.can(Permission.complaints_confidential):
        return None
    not_confidential = Complaint.sensitive.is_(False)  # type: ignore[attr-defined]
    if principal.can(Permission.complaints_configure):
        return not_confidential  # type: ignore[no-any-return]
    org = principal.organisation_id
    ours = or_(Complaint.recorded_by_organisation_id == org, Complaint.referred_to_id == org)
    return and_(not_confidential, ours)


def coordinates(principal: Principal) -> bool:
    """The secretariat, and PSEA focal points for the confidential cases they alone see."""
    return principal.can(Permission.complaints_configure) or principal.can(
        Permission.complaints_confidential
    )


def may_see_identity(principal: Principal, complaint: Complaint) -> bool:
    """PSEA focal points, and the organisation the case is referred to if the complainant agreed."""
    if principal.can(Permission.complaints_confidential):
        return True
    return (
        complaint.consent_to_share_identity
        and principal.organisation_id is not None
        and complaint.referred_to_id == principal.organisation_id
    )


# Identity never enters a diff: the snapshot holds only its token, always masked.
_TRACKED = (
    "channel", "category", "sensitive", "received_on", "location_id", "description",
    "organisation_concerned_id", "programme", "language", "anonymous", "sex", "age_group",
    "consent_to_contact", "consent_to_share_identity", "status", "referral_due_on",
    "referred_to_id", "referred_on", "response_due_on", "accepted_on", "response",
    "response_method", "responded_on", "outcome", "outcome_note", "closed_on",
    "rejection_reason", "assistance_declined",
)  # fmt: skip
_FREE_TEXT = {"description", "programme", "response", "outcome_note", "rejection_reason"}


def snapshot(complaint: Complaint) -> dict[str, Any]:
    values = {field: getattr(complaint, field) for field in _TRACKED}
    values["identity"] = complaint.identity_token
    return values


def record_change(
    session: Session,
    principal: Principal,
    action: str,
    complaint: Complaint,
    before: dict[str, Any] | None,
) -> None:
    """Audit a write. Identity and free text always show as `***`; for a confidential complaint
    (before or after the change) every value does, so the log says who did what, never what."""
    confidential = complaint.sensitive or bool(before and before["sensitive"])
    after = snapshot(complaint)
    hidden = set(after) if confidential else _FREE_TEXT | {"identity"}
    changes = audit.diff(before, after, sensitive=hidden)
    audit.record(
        session, principal, action, "complaint", complaint.id, changes, confidential=confidential
    )
