"""Which tombstones a caller is served: of the kinds it may read, those of records it could see
when they left its view and cannot see now. Each kind's rule is its domain's `visible_to`."""

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from ehp_api.alerts import policy as alerts
from ehp_api.alerts.models import Alert
from ehp_api.complaints import policy as complaints
from ehp_api.complaints.models import Complaint
from ehp_api.core.changes import TRACKED, Tombstone
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.readings import policy as readings
from ehp_api.readings.models import Reading

# kind -> (the model, the permission to read it, its domain's visibility rule)
KINDS: dict[str, tuple[Any, Permission, Any]] = {
    "reading": (Reading, Permission.readings_read, readings.visible_to),
    "alert": (Alert, Permission.alerts_read, alerts.visible_to),
    "complaint": (Complaint, Permission.complaints_read, complaints.visible_to),
}


def _or_all(condition: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return true() if condition is None else condition


def _served(principal: Principal, kind: str) -> ColumnElement[bool]:
    model, permission, visible_to = KINDS[kind]
    if not principal.can(permission):
        return false()
    saw = _or_all(visible_to(principal, TRACKED[model].as_before()))
    sees_now = exists(
        select(model.id).where(model.id == Tombstone.record_id, _or_all(visible_to(principal)))
    )
    return and_(Tombstone.kind == kind, saw, ~sees_now)


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The tombstones the caller is served: never one of a record it could not see then (an SEA
    allegation's only to PSEA focal points), nor of one it sees now (shown again since)."""
    return or_(*(_served(principal, kind) for kind in KINDS))
