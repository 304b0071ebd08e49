"""Who reads which audit events: an event shows what it describes, so it is read under the
visibility of that record, decided here.

- An event marked confidential (about an SEA allegation or other confidential complaint, when it
  was written) only for PSEA focal points.
- An event about a kind of record the reader may not read at all (an admin and complaints,
  alerts, readings) not at all: its changes are that record's data.
- An event about a complaint only while the reader may read that complaint now: a complaint
  later reclassified as an SEA allegation takes its earlier events with it.

The audit log sits below the domains it records (they write to it): who may read a complaint is
the complaints' rule, which `complaints.policy` registers here (`register_visibility`).
"""

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, or_, true

from ehp_api.audit.models import AuditEvent
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

# What `access.grants` records for each grant of the PSEA focal point role.
PSEA_GRANT = "psea.grant"

# The permission that reads each kind of record. Kinds not named here (users, keys,
# organisations, periods, targets, the seed...) are the service's administration, which every
# auditor reads.
READ_PERMISSION = {
    "complaint": Permission.complaints_read,
    "alert": Permission.alerts_read,
    "reading": Permission.readings_read,
    "reading_batch": Permission.readings_read,
}


# For a reader, the events of one kind of record that it may not read now (about a record it
# may not read), or None when it reads every record of that kind.
HiddenEvents = Callable[[Principal], ColumnElement[bool] | None]
_hidden_events: dict[str, HiddenEvents] = {}


def register_visibility(entity_type: str, hidden: HiddenEvents) -> None:
    """Events about records of `entity_type` are read only where `hidden` does not hide them:
    the rule of the domain that owns the records, registered when it is imported."""
    _hidden_events[entity_type] = hidden


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The events the caller may read."""
    conditions = [_kinds(principal), *_records(principal)]
    if not principal.can(Permission.complaints_confidential):
        conditions.append(AuditEvent.confidential.is_(False))
    return and_(*conditions)


def _kinds(principal: Principal) -> ColumnElement[bool]:
    unreadable = [kind for kind, needed in READ_PERMISSION.items() if not principal.can(needed)]
    if not unreadable:
        return true()
    return AuditEvent.entity_type.not_in(unreadable)


def _records(principal: Principal) -> list[ColumnElement[bool]]:
    """Not about a record the caller may not read now (events naming no record, such as a
    follow-up lookup with an unknown code, stay)."""
    conditions = []
    for entity_type, hidden_events in _hidden_events.items():
        hidden = hidden_events(principal)
        if hidden is not None:
            conditions.append(or_(AuditEvent.entity_type != entity_type, ~hidden))
    return conditions


def psea_view() -> ColumnElement[bool]:
    """What the PSEA focal points watch: every grant of their role, and every event about a
    confidential record (each read of an SEA case, by whoever holds the role, new or not)."""
    return or_(
        AuditEvent.action == PSEA_GRANT,
        AuditEvent.confidential.is_(True),
    )
