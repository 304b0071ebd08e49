"""Managing users and API keys; every change is audited."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehp_api.access import credentials, grants
from ehp_api.access.models import AccessToken, ApiKey, User
from ehp_api.access.principal_cache import forget_after_commit
from ehp_api.access.render import key_to_public
from ehp_api.access.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    UserCreate,
    UserUpdate,
)
from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate_in
from ehp_api.core.principal import Principal
from ehp_api.organisations import service as organisations_service

_USER_FIELDS = ("email", "display_name", "organisation_id", "role", "is_active", "password_hash")


def _snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: getattr(row, field) for field in fields}


def create_user(session: Session, actor: Principal, data: UserCreate) -> User:
    grants.check_role(actor, data.role)
    organisation = organisations_service.get_by_code(
        session, data.organisation, field="organisation"
    )
    email = data.email.strip().lower()
    if credentials.find_user_by_email(session, email) is not None:
        raise Conflict(
            tr(
                "A user with the email {email} already exists.",
                email=email,
            )
        )
    user = User(
        email=email,
        display_name=data.display_name,
        organisation_id=organisation.id or 0,
        role=data.role,
        password_hash=credentials.hash_password(data.password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            tr(
                "A user with the email {email} already exists.",
                email=email,
            )
        ) from None
    changes = audit.diff(None, _snapshot(user, _USER_FIELDS), sensitive={"password_hash"})
    audit.record(session, actor, "user.create", "user", user.id, changes)
    grants.record(session, actor, user.role, "user", user.id)
    return user


def list_users(
    session: Session, page: PageParams, updated_since: datetime | None = None, order: str = "id"
) -> tuple[list[User], str | None]:
    stmt = select(User)
    if updated_since is not None:
        stmt = stmt.where(User.updated_at >= updated_since)
    return paginate_in(session, stmt, User, page, order)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            tr(
                "No user has the id {user_id}.",
                user_id=user_id,
            )
        )
    return user


def update_user(session: Session, actor: Principal, user_id: int, data: UserUpdate) -> User:
    user = get_user(session, user_id)
    before = _snapshot(user, _USER_FIELDS)
    values = data.model_dump(exclude_unset=True)
    grants.check_update(actor, user.role, values)
    if "password" in values:
        user.password_hash = credentials.hash_password(values.pop("password"))
    for field, value in values.items():
        setattr(user, field, value)
    if data.is_active is False or data.password is not None:
        _revoke_sessions(session, user)
    forget_after_commit(session)  # a role, organisation or status its tokens stood for
    changes = audit.diff(before, _snapshot(user, _USER_FIELDS), sensitive={"password_hash"})
    audit.record(session, actor, "user.update", "user", user.id, changes)
    if before["role"] != user.role:
        grants.record(session, actor, user.role, "user", user.id)
    session.flush()
    return user


def _revoke_sessions(session: Session, user: User) -> None:
    tokens = session.exec(
        select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    )
    for token in tokens:
        token.revoked_at = utcnow()


def create_api_key(session: Session, actor: Principal, data: ApiKeyCreate) -> ApiKeyCreated:
    grants.check_role(actor, data.role)
    organisation = organisations_service.get_by_code(
        session, data.organisation, field="organisation"
    )
    prefix, secret = credentials.new_api_key_secret()
    expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    key = ApiKey(
        name=data.name,
        prefix=prefix,
        secret_hash=credentials.hash_secret(secret),
        organisation_id=organisation.id or 0,
        role=data.role,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    after = {
        "name": key.name,
        "prefix": prefix,
        "organisation": organisation.code,
        "role": key.role,
        "expires_at": expires_at,
    }
    audit.record(session, actor, "api_key.create", "api_key", key.id, audit.diff(None, after))
    grants.record(session, actor, key.role, "api_key", key.id)
    return ApiKeyCreated(**key_to_public(key).model_dump(), secret=secret)


def list_api_keys(
    session: Session, page: PageParams, updated_since: datetime | None = None, order: str = "id"
) -> tuple[list[ApiKey], str | None]:
    stmt = select(ApiKey)
    if updated_since is not None:
        stmt = stmt.where(ApiKey.updated_at >= updated_since)
    return paginate_in(session, stmt, ApiKey, page, order)


def get_api_key(session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(
            tr(
                "No API key has the id {key_id}.",
                key_id=key_id,
            )
        )
    return key


def revoke_api_key(session: Session, actor: Principal, key_id: int) -> ApiKey:
    key = get_api_key(session, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        forget_after_commit(session)
        changes = audit.diff({"revoked_at": None}, {"revoked_at": key.revoked_at})
        audit.record(session, actor, "api_key.revoke", "api_key", key.id, changes)
        session.flush()
    return key
