"""The guard of every route: who the caller is, and whether its role allows an operation.

Who a bearer secret stands for is the access domain's to say (`access.credentials.Bearers`,
installed by `main` as `app.state.authenticator`): the guard asks it through `Authenticator`,
so that every domain's router, those of the domains access itself imports (audit,
organisations) included, takes its guard from here rather than from access.
"""

from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import BackgroundTasks, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer
from sqlmodel import Session

from ehp_api.core.db import SessionDep, SessionFactory, WriteSessionFactoryDep
from ehp_api.core.errors import Forbidden, Unauthorized
from ehp_api.core.i18n import tr
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

# The attribute by which a guard names the permissions it asks for: the OpenAPI document
# (`web.openapi_access`) shows them on each operation.
GUARD_ATTRIBUTE = "required_permissions"


class Authenticator(Protocol):
    """Who a bearer secret stands for."""

    def remembered(self, secret: str) -> Principal | None:
        """The principal verified for this secret a moment ago, if any: no database."""

    def authenticate(self, session: Session, secret: str) -> Principal:
        """The principal the secret stands for (reads only), or 401."""

    def used(self, principal: Principal) -> Callable[[SessionFactory], None] | None:
        """What to write of this use, after the response and in a transaction of its own."""


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
    authenticator: Authenticator = request.app.state.authenticator
    principal = await _verified(authenticator, session, secret)
    request.state.principal = principal
    write = authenticator.used(principal)
    if write is not None:
        # After the response, in a transaction of its own: a read never writes.
        after_response.add_task(write, sessions)
    return principal


async def authenticated(
    request: Request, session: SessionDep, secret: Annotated[str, Depends(bearer_secret)]
) -> None:
    """401 unless the credentials are good: checked before an operation reads its body (and
    remembered, so that `get_principal` then finds them at no cost)."""
    await _verified(request.app.state.authenticator, session, secret)


async def _verified(authenticator: Authenticator, session: Session, secret: str) -> Principal:
    """A remembered secret on the event loop; one to look up, in the thread pool (it reads)."""
    principal = authenticator.remembered(secret)
    if principal is None:
        principal = await run_in_threadpool(authenticator.authenticate, session, secret)
    return principal


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
