"""FastAPI dependencies: who the caller is, and whether its role allows an operation."""

from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from ehp_api.access import credentials, last_use
from ehp_api.core.db import SessionDep, WriteSessionFactoryDep
from ehp_api.core.errors import Forbidden, Unauthorized
from ehp_api.core.i18n import tr
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal, PrincipalKind
from ehp_api.web.openapi_access import GUARD_ATTRIBUTE

# Two ways to send the same header, both shown in Swagger UI's Authorize dialog.
user_login = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    scheme_name="UserLogin",
    description="People: log in with email and password; the token is sent as a bearer token.",
    auto_error=False,
)
api_key = HTTPBearer(
    scheme_name="ApiKey",
    description="Partner systems: `Authorization: Bearer <API key>`.",
    auto_error=False,
)


# The dependencies that read no database are `async`: they run on the event loop instead of
# taking a turn of the thread pool, which costs more than they do.
async def bearer_secret(
    token: Annotated[str | None, Depends(user_login)],
    key: Annotated[HTTPAuthorizationCredentials | None, Depends(api_key)],
) -> str:
    secret = token or (key.credentials if key else None)
    if not secret:
        raise Unauthorized(tr("Send `Authorization: Bearer <API key or access token>`."))
    return secret


async def get_principal(
    request: Request,
    session: SessionDep,
    secret: Annotated[str, Depends(bearer_secret)],
    after_response: BackgroundTasks,
    sessions: WriteSessionFactoryDep,
) -> Principal:
    cache = request.app.state.principals
    # A remembered secret on the event loop; one to look up, in the thread pool (it reads).
    principal = credentials.remembered(secret, cache)
    if principal is None:
        principal = await run_in_threadpool(credentials.authenticate, session, secret, cache)
    request.state.principal = principal
    key_id = principal.id if principal.kind == PrincipalKind.api_key else None
    if key_id is not None and request.app.state.key_uses.due(key_id):
        # After the response, in a transaction of its own: a read never writes (last_use).
        after_response.add_task(last_use.record, sessions, key_id)
    return principal


def authenticated(
    request: Request, session: SessionDep, secret: Annotated[str, Depends(bearer_secret)]
) -> None:
    """401 unless the credentials are good: checked before an operation reads its body (and
    remembered, so that `get_principal` then finds them at no cost)."""
    credentials.authenticate(session, secret, request.app.state.principals)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
BearerSecret = Annotated[str, Depends(bearer_secret)]


def require(*permissions: Permission) -> Any:
    """A dependency that lets the call through only if the caller's role grants `permissions`."""

    async def check(principal: CurrentPrincipal) -> Principal:
        missing = [p.value for p in permissions if not principal.can(p)]
        if missing:
            raise Forbidden(
                tr(
                    "The role {role} does not allow this operation (it needs {missing}).",
                    role=principal.role,
                    missing=", ".join(missing),
                )
            )
        return principal

    # Read by the OpenAPI document, which shows each operation's permissions.
    setattr(check, GUARD_ATTRIBUTE, permissions)
    return Depends(check)
