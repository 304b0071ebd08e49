"""Who may grant the PSEA focal point role: not the API.

The role reads every SEA allegation and complainant identity. An admin who could give it, to
itself or to anyone, through the API would read SEA cases with nobody else involved. So the role
is granted only with the server's command line (`ehp-api create-user` / `create-api-key
--role psea_focal_point`): a second person, the operator of the server, acts. Through the API a
PSEA holder's account cannot be taken over either (no new password or email), only deactivated.
Every grant writes a `psea.grant` audit event, and the PSEA focal points read those, and every
read of an SEA case, at `GET /api/v1/audit-events/psea`.
"""

from typing import Any

from sqlmodel import Session

from ehp_api.audit import service as audit
from ehp_api.audit.policy import PSEA_GRANT
from ehp_api.core.errors import Forbidden, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.permissions import Role
from ehp_api.core.principal import Principal, PrincipalKind

_TAKEOVER_FIELDS = ("password",)


def _refuse(field: str, reason: str) -> Forbidden:
    param = InvalidParam(location="body", field=field, reason=reason, code="psea_grant_by_cli")
    return Forbidden(
        tr(
            "{field}: {reason}.",
            field=field,
            reason=reason,
        ),
        errors=[param],
    )


def check_role(actor: Principal, role: Role | None) -> None:
    """Refuse to grant the PSEA role through the API."""
    if role == Role.psea_focal_point and actor.kind != PrincipalKind.system:
        reason = tr(
            "psea_focal_point is granted only with the server's command line "
            "(ehp-api create-user / create-api-key), never through the API"
        )
        raise _refuse("role", reason)


def check_update(actor: Principal, current: Role, values: dict[str, Any]) -> None:
    """Refuse through the API what would hand a PSEA holder's account to someone else."""
    check_role(actor, values.get("role"))
    if current != Role.psea_focal_point or actor.kind == PrincipalKind.system:
        return
    for field in _TAKEOVER_FIELDS:
        if field in values:
            reason = tr("a PSEA focal point's credentials change only with the CLI")
            raise _refuse(field, reason)


def record(
    session: Session, actor: Principal, role: Role, entity_type: str, entity_id: object
) -> None:
    """One `psea.grant` event per grant, for the PSEA focal points to see."""
    if role == Role.psea_focal_point:
        changes = {"role": {"old": None, "new": role.value}}
        audit.record(session, actor, PSEA_GRANT, entity_type, entity_id, changes)
