"""Who reads which audit events: an event shows what it describes, so it is read under the
visibility of that record, decided here and nowhere else.

- An event marked confidential (about an SEA allegation or other confidential complaint, when it
  was written) only for PSEA focal points.
- An event about a kind of record the reader may not read at all (an admin and complaints,
  alerts, readings) not at all: its changes are that record's data.
- An event about a complaint only while the reader may read that complaint now: a complaint
  later reclassified as an SEA allegation takes its earlier events with it.

The audit log sits below the domains it records (they write to it); this module, like the
router, sits above them.
"""

from sqlalchemy import ColumnElement, String, and_, cast, exists, false, func, not_, or_, true

from ehp_api.access.grants import GRANT as PSEA_GRANT
from ehp_api.audit.models import AuditEvent
from ehp_api.complaints import rules as complaint_rules
from ehp_api.complaints.models import Complaint
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

# The permission that reads each kind of record. Kinds not named here (users, keys,
# organisations, periods, targets, the seed...) are the service's administration, which every
# auditor reads.
READ_PERMISSION = {
    "complaint": Permission.complaints_read,
    "alert": Permission.alerts_read,
    "reading": Permission.readings_read,
    "reading_batch": Permission.readings_read,
}


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The events the caller may read."""
    conditions = [_kinds(principal), _complaints(principal)]
    if not principal.can(Permission.complaints_confidential):
        conditions.append(AuditEvent.confidential.is_(False))  # type: ignore[attr-defined]
    return and_(*conditions)


def _kinds(principal: Principal) -> ColumnElement[bool]:
    unreadable = [kind for kind, needed in READ_PERMISSION.items() if not principal.can(needed)]
    if not unreadable:
        return true()
    return AuditEvent.entity_type.not_in(unreadable)  # type: ignore[attr-defined,no-any-return]


def _complaints(principal: Principal) -> ColumnElement[bool]:
    """Not about a complaint the caller may not read now (events naming no complaint, such as
    a follow-up lookup with an unknown code, stay)."""
    visible = complaint_rules.visible_to(principal)
    if visible is None:
        return true()
    hidden = exists().where(
        cast(Complaint.id, String) == AuditEvent.entity_id,
        not_(func.coalesce(visible, false())),  # a NULL in the rule hides, never shows
    )
    return or_(AuditEvent.entity_type != "complaint", ~hidden)  # type: ignore[arg-type,return-value]


def psea_view() -> ColumnElement[bool]:
    """What the PSEA focal points watch: every grant of their role, and every event about a
    confidential record (each read of an SEA case, by whoever holds the role, new or not)."""
    return or_(  # type: ignore[return-value]
        AuditEvent.action == PSEA_GRANT,  # type: ignore[arg-type]
        AuditEvent.confidential.is_(True),  # type: ignore[attr-defined]
    )
