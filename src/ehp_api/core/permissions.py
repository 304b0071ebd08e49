"""Roles and the permissions they grant: the one place the permission table lives in code."""

from enum import StrEnum

from ehp_api.core.enums import NamedMembers
from ehp_api.core.i18n import N_, enum_labels


class Role(StrEnum):
    admin = "admin"
    secretariat = "secretariat"
    partner = "partner"
    analyst = "analyst"
    psea_focal_point = "psea_focal_point"


class Permission(NamedMembers, StrEnum):
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
    alerts_read = "alerts:read"
    alerts_write = "alerts:write"
    alerts_review = "alerts:review"
    trigger_rules_manage = "trigger_rules:manage"
    complaints_read = "complaints:read"
    complaints_write = "complaints:write"
    complaints_confidential = "complaints:confidential"
    complaints_configure = "complaints:configure"
    targets_manage = "targets:manage"
    activity_status_write = "activity_status:write"
    activity_status_write_any = "activity_status:write_any_organisation"
    register_write = "register:write"
    action_points_update = "action_points:update"
    webhooks_manage = "webhooks:manage"


enum_labels(
    Role,
    {
        Role.admin: N_("Administrator"),
        Role.secretariat: N_("EHP secretariat"),
        Role.partner: N_("Partner"),
        Role.analyst: N_("Analyst"),
        Role.psea_focal_point: N_("PSEA focal point"),
    },
)
enum_labels(
    Permission,
    {
        Permission.workplan_read: N_("Read the work plan"),
        Permission.organisations_manage: N_("Manage organisations"),
        Permission.users_manage: N_("Manage users"),
        Permission.api_keys_manage: N_("Manage API keys"),
        Permission.audit_read: N_("Read the audit log"),
        Permission.readings_read: N_("Read readings"),
        Permission.readings_write: N_("Post the organisation's readings"),
        Permission.readings_write_any: N_("Post readings for any organisation"),
        Permission.readings_review: N_("Review readings"),
        Permission.periods_lock: N_("Lock periods"),
        Permission.alerts_read: N_("Read alerts"),
        Permission.alerts_write: N_("Write alerts"),
        Permission.alerts_review: N_("Review alerts"),
        Permission.trigger_rules_manage: N_("Manage trigger rules"),
        Permission.complaints_read: N_("Read complaints"),
        Permission.complaints_write: N_("Write complaints"),
        Permission.complaints_confidential: N_("Handle confidential complaints"),
        Permission.complaints_configure: N_("Configure complaints"),
        Permission.targets_manage: N_("Manage targets"),
        Permission.activity_status_write: N_("Report the organisation's activity statuses"),
        Permission.activity_status_write_any: N_("Report activity statuses for any organisation"),
        Permission.register_write: N_("Keep the EHP register"),
        Permission.action_points_update: N_("Update the organisation's action points"),
        Permission.webhooks_manage: N_("Manage the organisation's webhooks"),
    },
)


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
            Permission.alerts_read,
            Permission.alerts_write,
            Permission.alerts_review,
            Permission.trigger_rules_manage,
            Permission.complaints_read,
            Permission.complaints_write,
            Permission.complaints_configure,
            Permission.targets_manage,
            Permission.activity_status_write,
            Permission.activity_status_write_any,
            Permission.register_write,
            Permission.action_points_update,
            Permission.webhooks_manage,
        }
    ),
    Role.partner: frozenset(
        _EVERYONE
        | {
            Permission.readings_read,
            Permission.readings_write,
            Permission.alerts_read,
            Permission.alerts_write,
            Permission.complaints_read,
            Permission.complaints_write,
            Permission.activity_status_write,
            Permission.action_points_update,
            Permission.webhooks_manage,
        }
    ),
    Role.analyst: frozenset(
        _EVERYONE | {Permission.readings_read, Permission.alerts_read, Permission.webhooks_manage}
    ),
    # The only role that reads SEA allegations, confidential complaints and complainant identity.
    Role.psea_focal_point: frozenset(
        _EVERYONE
        | {
            Permission.readings_read,
            Permission.complaints_read,
            Permission.complaints_write,
            Permission.complaints_confidential,
            Permission.webhooks_manage,
        }
    ),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]
