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
    readings_read = "readings:read"
    readings_write = "readings:write"
    readings_write_any = "readings:write_any_organisation"
    readings_review = "readings:review"
    periods_lock = "periods:lock"


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
    Role.secretariat: frozenset(
        _EVERYONE
        | {
            Permission.audit_read,
            Permission.readings_read,
            Permission.readings_write,
            Permission.readings_write_any,
            Permission.readings_review,
            Permission.periods_lock,
        }
    ),
    Role.partner: frozenset(_EVERYONE | {Permission.readings_read, Permission.readings_write}),
    Role.analyst: frozenset(_EVERYONE | {Permission.readings_read}),
    Role.psea_focal_point: frozenset(_EVERYONE | {Permission.readings_read}),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]
