"""Secrets: password hashing, API key and token generation, and resolving a bearer secret."""

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from ehp_api.access import last_use
from ehp_api.access.models import AccessToken, ApiKey, User
from ehp_api.access.principal_cache import PrincipalCache, forget_after_commit
from ehp_api.audit import service as audit
from ehp_api.core.db import SessionFactory, utcnow
from ehp_api.core.errors import Unauthorized
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal, PrincipalKind, for_role

KEY_PREFIX = "ehpk_"
TOKEN_PREFIX = "ehpt_"  # noqa: S105  (a marker, not a secret)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists, so timing does not reveal accounts."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_secret(secret: str) -> str:
    # Secrets are 256-bit random values: a fast hash is enough and keeps lookups to one index probe.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key_secret() -> tuple[str, str]:
    """(public prefix, full secret): the prefix is shown in listings, the secret only once."""
    public = KEY_PREFIX + secrets.token_hex(4)
    return public, f"{public}_{secrets.token_urlsafe(32)}"


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _key_principal(key: ApiKey) -> Principal:
    name = f"{key.prefix} ({key.name})"
    return for_role(
        PrincipalKind.api_key,
        key.id or 0,
        name,
        key.organisation_id,
        key.organisation.code,
        key.role,
        key_prefix=key.prefix,
    )


def user_principal(user: User) -> Principal:
    return for_role(
        PrincipalKind.user,
        user.id or 0,
        user.email,
        user.organisation_id,
        user.organisation.code,
        user.role,
    )


def _usable(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and (expires_at is None or expires_at > now)


def remembered(secret: str, cache: PrincipalCache) -> Principal | None:
    """The principal `authenticate` verified for this secret in the last
    `EHP_AUTH_CACHE_SECONDS`, if any: no database, so callable on the event loop."""
    return cache.get(hash_secret(secret))


def authenticate(session: Session, secret: str, cache: PrincipalCache | None = None) -> Principal:
    """The principal a bearer secret stands for, or 401 if it is unknown, revoked or expired.

    Reads only: a key's last use is recorded after the response (`last_use`). With a cache, a
    secret verified in the last `EHP_AUTH_CACHE_SECONDS` costs no database round trip."""
    digest = hash_secret(secret)
    if cache is not None and (remembered := cache.get(digest)) is not None:
        return remembered
    principal, expires_at = _look_up(session, secret, digest)
    if cache is not None:
        cache.put(digest, principal, expires_at)
    return principal


def _look_up(session: Session, secret: str, digest: str) -> tuple[Principal, datetime | None]:
    now = utcnow()
    if secret.startswith(TOKEN_PREFIX):
        token = session.exec(select(AccessToken).where(AccessToken.token_hash == digest)).first()
        if token and _usable(token.revoked_at, token.expires_at, now) and token.user.is_active:
            return user_principal(token.user), token.expires_at
        raise Unauthorized(tr("The access token is unknown, expired or revoked; log in again."))
    key = session.exec(select(ApiKey).where(ApiKey.secret_hash == digest)).first()
    if key is None or not _usable(key.revoked_at, key.expires_at, now):
        raise Unauthorized(tr("The API key is unknown, expired or revoked."))
    return _key_principal(key), key.expires_at


class Bearers:
    """Who a bearer secret stands for, as the guard of every route asks it
    (`core.guards.Authenticator`; `main` installs one per app): remembered by the worker for
    `EHP_AUTH_CACHE_SECONDS`, and an API key's use written at most once a minute (`last_use`)."""

    def __init__(self, principals: PrincipalCache, key_uses: last_use.KeyUses) -> None:
        self.principals = principals
        self.key_uses = key_uses

    def remembered(self, secret: str) -> Principal | None:
        return remembered(secret, self.principals)

    def authenticate(self, session: Session, secret: str) -> Principal:
        return authenticate(session, secret, self.principals)

    def used(self, principal: Principal) -> Callable[[SessionFactory], None] | None:
        key_id = principal.id if principal.kind == PrincipalKind.api_key else None
        if key_id is None or not self.key_uses.due(key_id):
            return None
        return lambda sessions: last_use.record(sessions, key_id)


def issue_token(session: Session, user: User, ttl: timedelta) -> tuple[str, AccessToken]:
    secret = new_token_secret()
    token = AccessToken(
        token_hash=hash_secret(secret), user_id=user.id or 0, expires_at=utcnow() + ttl
    )
    session.add(token)
    user.last_login_at = utcnow()
    session.flush()
    return secret, token


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def logout(session: Session, principal: Principal, secret: str) -> None:
    """Revoke the token of this request, on record."""
    revoke_token(session, secret)
    audit.record(session, principal, "auth.logout", "user", principal.id)


def revoke_token(session: Session, secret: str) -> None:
    token = session.exec(
        select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
    ).first()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        forget_after_commit(session)
        session.flush()
