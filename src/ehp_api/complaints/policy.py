"""Who sees which complaint, who sees identity, what the audit log may show of a change, and
what any figure built from complaints may tell a reader of SEA allegations.

Need to know, in the queries themselves: PSEA focal points read every complaint; for everyone
else a confidential complaint (SEA, or marked sensitive) does not exist; the secretariat reads the
others; a partner reads those its organisation recorded and those referred to it now.

The inference rule: what any figure built from complaints may tell a reader of SEA allegations.

Hiding SEA allegations from lists is not enough: a total that counts them, minus the breakdowns
that do not, gives their number back; an indicator computed from them is their number. So for
every reader but the PSEA focal points (`complaints:confidential`), every count, total, indicator
value and breakdown computed from complaints leaves SEA allegations out entirely, and says so;
an indicator computed from SEA allegations alone is withheld whole (its existence and who to
ask are shown, never a number). Every query that counts complaints takes its condition from
`counted`, and every figure that shows such a count its note from here.

The other confidential complaints (marked sensitive) are counted apart, as one number suppressed
when small (`counted_apart`): every other figure leaves them out for these readers too, and says
so. Were they in a total, the total minus its breakdowns, or minus the complaints the reader can
list one by one, would give back the number that the suppression hides.
"""

from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, false, func, not_, or_, true
from sqlmodel import Session

from ehp_api.audit import policy as audit_policy
from ehp_api.audit import service as audit
from ehp_api.audit.models import AuditEvent
from ehp_api.complaints.models import Category, Complaint
from ehp_api.core.i18n import N_
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.events.policy import Audience

# Indicators computed from SEA allegations only (seed/workplan.yaml, `computed_from`).
PSEA_ONLY = frozenset({"3.2.2.2"})

EXCLUDES_SEA = "excludes_sea"
EXCLUDES_CONFIDENTIAL = "excludes_confidential"
PSEA_ONLY_FLAG = "psea_only"
NOTES = {
    EXCLUDES_SEA: N_("Excludes SEA allegations; ask the PSEA focal point."),
    EXCLUDES_CONFIDENTIAL: N_(
        "Excludes the other confidential complaints: the dashboard counts them apart "
        "(`confidential`), suppressed when small."
    ),
    PSEA_ONLY_FLAG: N_(
        "Computed from SEA allegations: shown to PSEA focal points only; ask the PSEA focal point."
    ),
}


def sees_sea(principal: Principal) -> bool:
    """Whether the caller may learn anything of SEA allegations, counts included."""
    return principal.can(Permission.complaints_confidential)


def counted(with_sea: bool) -> ColumnElement[bool]:
    """The complaints a figure may count for its reader: outside the PSEA network, none that is
    confidential (SEA allegations are always confidential; both are said, in case one was not)."""
    if with_sea:
        return true()
    return and_(
        Complaint.category != Category.sea_allegation,
        Complaint.sensitive.is_(False),
    )


def counted_apart(with_sea: bool) -> ColumnElement[bool]:
    """The confidential complaints that the one `confidential` count counts for its reader:
    outside the PSEA network, no SEA allegation."""
    sensitive = Complaint.sensitive.is_(True)
    if with_sea:
        return sensitive
    return and_(sensitive, Complaint.category != Category.sea_allegation)


def withheld(indicator_code: str, with_sea: bool) -> bool:
    """Whether the indicator's figure is withheld whole from this reader."""
    return not with_sea and indicator_code in PSEA_ONLY


def flags(indicator_code: str, computed_from_complaints: bool, with_sea: bool) -> list[str]:
    """The flags an indicator's figure carries for this reader."""
    if with_sea or not computed_from_complaints:
        return []
    if indicator_code in PSEA_ONLY:
        return [PSEA_ONLY_FLAG]
    return [EXCLUDES_SEA, EXCLUDES_CONFIDENTIAL]


def visible_to(principal: Principal, row: Any = Complaint) -> ColumnElement[bool] | None:
    """What the caller may read; lists and lookups both go through this. `row`: the columns to
    judge (a tombstone's stand in for a complaint's, `core.changes`)."""
    if principal.can(Permission.complaints_confidential):
        return None
    not_confidential = row.sensitive.is_(False)
    if principal.can(Permission.complaints_configure):
        return not_confidential
    org = principal.organisation_id
    ours = or_(row.recorded_by_organisation_id == org, row.referred_to_id == org)
    return and_(not_confidential, ours)


def audit_events_hidden(principal: Principal) -> ColumnElement[bool] | None:
    """The audit events about a complaint the caller may not read now (None: it reads every
    complaint): a complaint later reclassified as an SEA allegation takes its earlier events with
    it. `audit.policy` asks it for every event about a complaint."""
    visible = visible_to(principal)
    if visible is None:
        return None
    return exists().where(
        cast(Complaint.id, String) == AuditEvent.entity_id,
        not_(func.coalesce(visible, false())),  # a NULL in the rule hides, never shows
    )


audit_policy.register_visibility("complaint", audit_events_hidden)


def audience(complaint: Complaint) -> list[Audience]:
    """Who may be told of an event about the complaint: of a confidential one, the PSEA focal
    points alone (for everyone else it does not exist); of another, the organisation it is
    referred to (its own events name no other reader)."""
    if complaint.sensitive or complaint.category == Category.sea_allegation:
        return [Audience(Permission.complaints_confidential)]
    return [Audience(Permission.complaints_read, organisation_id=complaint.referred_to_id)]


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
