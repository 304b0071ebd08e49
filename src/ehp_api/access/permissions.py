"""Roles and the permissions they grant: the one place the permission table lives in code."""

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    secretariat = "secretariat"
    partner = "partner"
    analyst = "analyst"
    psea_focal_point = "psea_focal_point"


class Permission(StrEnum):
    workplan_read = "workplan:read"
    organisations_manage = "organisations:manage"
    users_manage = "users:manage"
    api_keys_manage = "api_keys:manage"
    audit_read = "audit:read"


_EVERYONE = {Permission.workplan_read}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(
        _EVERYONE
        | {
            Permission.organisations_manage,
            Permission.users_manage,
            Permission.api_keys_manage,
            Permission.audit_read,
        }
    ),
    Role.secretariat: frozenset(_EVERYONE | {Permission.audit_read}),
    Role.partner: frozenset(_EVERYONE),
    Role.analyst: frozenset(_EVERYONE),
    Role.psea_focal_point: frozenset(_EVERYONE),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]
