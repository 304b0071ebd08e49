"""/auth, /me, /users, /api-keys: who may call the API, and as whom."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordRequestForm

from ehp_api.access import credentials, render, service
from ehp_api.access.login import login
from ehp_api.access.models import User
from ehp_api.access.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    Me,
    TokenResponse,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from ehp_api.core import row_locks
from ehp_api.core.db import RecordId, SessionDep, writes_when
from ehp_api.core.errors import AppError, Conflict, app_error_response, problem_responses
from ehp_api.core.guards import BearerSecret, CurrentPrincipal, require
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal, PrincipalKind
from ehp_api.web.idempotency import Idempotency, ShownOnce, idempotent
from ehp_api.web.sync import SYNC_PARAMS, SYNCED, SyncDep, announce_watermark
from ehp_api.web.validators import CACHEABLE, VERSIONED, IfMatch, check_seen, tagged, versioned

router = APIRouter(tags=["access"])

ManageUsers = Annotated[Principal, require(Permission.users_manage)]
ManageKeys = Annotated[Principal, require(Permission.api_keys_manage)]
UserRetry = Annotated[Idempotency, idempotent("users.create")]
# The secret is kept only as a hash: a retry learns which key was made, never its secret.
SECRET = ShownOnce(
    "secret",
    "Use that key if its secret reached you; otherwise revoke it "
    "(`POST /api/v1/api-keys/{id}/revoke`) and create another with a new Idempotency-Key.",
)
KeyRetry = Annotated[Idempotency, idempotent("api_keys.create", SECRET)]


@router.post("/auth/token", response_model=TokenResponse, responses=problem_responses(401, 429))
def create_token(
    request: Request,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenResponse | JSONResponse:
    """Log in with email (`username`) and password: OAuth2 password flow, returns a bearer token."""
    settings = request.app.state.settings
    client_ip = request.client.host if request.client else "unknown"
    result = login(
        session,
        request.app.state.login_limits,
        form.username,
        form.password,
        client_ip,
        timedelta(minutes=settings.token_ttl_minutes),
    )
    if isinstance(result, AppError):
        return app_error_response(request, result)
    return result


@router.post("/auth/logout", status_code=204, responses=problem_responses(401, 409))
def logout(session: SessionDep, principal: CurrentPrincipal, secret: BearerSecret) -> None:
    """Revoke the access token of this request (API keys are revoked by an admin)."""
    if principal.kind != PrincipalKind.user:
        raise Conflict(tr("An API key cannot log out; ask an admin to revoke it."))
    credentials.logout(session, principal, secret)


@router.get("/me", response_model=Me, responses=problem_responses(401))
def get_me(principal: CurrentPrincipal) -> Me:
    """Who the caller is: kind, organisation, role and permissions."""
    return Me(
        kind=principal.kind,
        id=principal.id or 0,
        name=principal.name,
        organisation=principal.organisation_code or "",
        role=principal.role,  # type: ignore[arg-type]  # only the CLI's principal has no role
        permissions=sorted(principal.permissions),
    )


@router.get("/users", response_model=Page[UserPublic], responses=SYNCED)
@writes_when(*SYNC_PARAMS)  # on SQLite, the watermark waits for no writer
def list_users(
    session: SessionDep, page: PageDep, _: ManageUsers, response: Response, sync: SyncDep
) -> Page[UserPublic]:
    """List users (deactivated ones too: `is_active`)."""
    announce_watermark(session, response, sync.asked)
    items, next_cursor = service.list_users(session, page, sync.updated_since, sync.order)
    return Page(
        items=[render.user_to_public(u) for u in items], limit=page.limit, next_cursor=next_cursor
    )


@router.post("/users", response_model=UserPublic, status_code=201, responses=problem_responses(409))
def create_user(
    session: SessionDep, data: UserCreate, actor: ManageUsers, retry: UserRetry
) -> Response:
    """Create a user (a person who logs in with email and password)."""
    # Not the password: a fast hash of it would be kept beside its slow one for every retry.
    identity = data.model_dump(mode="json", exclude_unset=True, exclude={"password"})
    return retry.once(
        identity, lambda: (201, render.user_to_public(service.create_user(session, actor, data)))
    )


@router.get("/users/{user_id}", response_model=UserPublic, responses=CACHEABLE)
def get_user(request: Request, session: SessionDep, user_id: RecordId, _: ManageUsers) -> Response:
    """Get one user; `ETag` its version."""
    return versioned(request, render.user_to_public(service.get_user(session, user_id)))


@router.patch(
    "/users/{user_id}", response_model=UserPublic, responses=problem_responses(412) | VERSIONED
)
def update_user(
    session: SessionDep,
    user_id: RecordId,
    data: UserUpdate,
    actor: ManageUsers,
    if_match: IfMatch = None,
) -> Response:
    """Change a user's name, role, password or active flag (deactivating ends their sessions)."""
    check_seen(
        session,
        if_match,
        row_locks.rows(User, id=user_id),
        lambda: render.user_to_public(service.get_user(session, user_id)),
        "user",
    )
    return tagged(render.user_to_public(service.update_user(session, actor, user_id, data)))


@router.get("/api-keys", response_model=Page[ApiKeyPublic], responses=SYNCED)
@writes_when(*SYNC_PARAMS)  # on SQLite, the watermark waits for no writer
def list_api_keys(
    session: SessionDep, page: PageDep, _: ManageKeys, response: Response, sync: SyncDep
) -> Page[ApiKeyPublic]:
    """List API keys, revoked ones too (prefixes only; secrets are never shown again)."""
    announce_watermark(session, response, sync.asked)
    items, next_cursor = service.list_api_keys(session, page, sync.updated_since, sync.order)
    return Page(
        items=[render.key_to_public(k) for k in items], limit=page.limit, next_cursor=next_cursor
    )


@router.post(
    "/api-keys", response_model=ApiKeyCreated, status_code=201, responses=problem_responses(409)
)
def create_api_key(
    session: SessionDep, data: ApiKeyCreate, actor: ManageKeys, retry: KeyRetry
) -> Response:
    """Create an API key for a partner system; the response holds the secret, shown once."""
    return retry.once(data, lambda: (201, service.create_api_key(session, actor, data)))


@router.get("/api-keys/{key_id}", response_model=ApiKeyPublic)
def get_api_key(session: SessionDep, key_id: RecordId, _: ManageKeys) -> ApiKeyPublic:
    """Get one API key (without its secret)."""
    return render.key_to_public(service.get_api_key(session, key_id))


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyPublic)
def revoke_api_key(session: SessionDep, key_id: RecordId, actor: ManageKeys) -> ApiKeyPublic:
    """Revoke an API key: it is refused from now on. Revoking twice changes nothing."""
    return render.key_to_public(service.revoke_api_key(session, actor, key_id))
