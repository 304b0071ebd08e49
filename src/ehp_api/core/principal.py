"""Who is acting: a user, a partner system's API key, or the command line."""

import getpass
from dataclasses import dataclass
from enum import StrEnum

from ehp_api.core.i18n import N_, enum_labels
from ehp_api.core.permissions import Permission, Role, permissions_of


class PrincipalKind(StrEnum):
    user = "user"
    api_key = "api_key"
    system = "system"


enum_labels(
    PrincipalKind,
    {
        PrincipalKind.user: N_("User"),
        PrincipalKind.api_key: N_("API key"),
        PrincipalKind.system: N_("The service itself"),
    },
)


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: int | None
    name: str
    organisation_id: int | None
    organisation_code: str | None
    role: Role | None
    permissions: frozenset[Permission]
    # An API key's public prefix (`ehpk_1a2b3c4d`): how logs name the key, never by its secret.
    key_prefix: str | None = None

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def for_role(
    kind: PrincipalKind,
    id_: int,
    name: str,
    organisation_id: int,
    organisation_code: str,
    role: Role,
    key_prefix: str | None = None,
) -> Principal:
    return Principal(
        kind, id_, name, organisation_id, organisation_code, role, permissions_of(role), key_prefix
    )


def system_principal() -> Principal:
    """The command line, acting with every permission under the operator's OS account name."""
    try:
        operator = getpass.getuser()
    except OSError:
        operator = "unknown"
    return Principal(
        PrincipalKind.system, None, f"cli:{operator}", None, None, None, frozenset(Permission)
    )
