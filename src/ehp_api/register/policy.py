"""Who may do what in the register: the secretariat keeps it; the organisation that owns an
action point gives its status and evidence. Everyone who reads the dashboard reads it."""

from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.register.models import ActionPoint

# What an action point's owner changes; the rest of it is the secretariat's.
OWNER_FIELDS = frozenset({"status", "evidence"})


def keeps_register(principal: Principal) -> bool:
    return principal.can(Permission.register_write)


def may_update_action_point(principal: Principal, point: ActionPoint) -> bool:
    return keeps_register(principal) or principal.organisation_id == point.owner_organisation_id


def fields_refused(principal: Principal, fields: set[str]) -> set[str]:
    """The fields of an action point this caller may not change."""
    return set() if keeps_register(principal) else fields - OWNER_FIELDS
