"""Idempotency keys kept in the database, so that every worker gives a retry the same answer.

The key's row is inserted in the same transaction as the write it protects. On PostgreSQL a
concurrent request with the same key waits on the unique index until the first one commits,
then finds the stored response; a request that failed leaves no row, so its retry runs again.
"""

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from ehp_api.db import UTCDateTime, utcnow
from ehp_api.errors import Conflict, InvalidInput, InvalidParam
from ehp_api.principal import Principal

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    scope: str = Field(max_length=120, primary_key=True)
    key: str = Field(max_length=MAX_KEY_LENGTH, primary_key=True)
    request_hash: str = Field(max_length=64)
    response_status: int = 0
    response_body: Any = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


def request_hash(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def scope_of(principal: Principal, operation: str) -> str:
    """Keys belong to one caller and one operation: two partners may pick the same key."""
    return f"{operation}:{principal.kind}:{principal.id}"


def claim(
    session: Session, scope: str, key: str, digest: str, ttl: timedelta
) -> IdempotencyKey | None:
    """Take the key for this request, or return the stored row of an earlier one.

    Raises 422 when the key was used with a different body."""
    if not key or len(key) > MAX_KEY_LENGTH:
        param = InvalidParam(
            location="header",
            field=KEY_HEADER,
            code="invalid_idempotency_key",
            reason=f"must be 1 to {MAX_KEY_LENGTH} characters",
        )
        raise InvalidInput(
            f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} characters.", errors=[param]
        )
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(IdempotencyKey)
        .values(scope=scope, key=key, request_hash=digest, created_at=now, expires_at=now + ttl)
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(IdempotencyKey.key)
    )
    if session.execute(stmt).first() is not None:
        return None
    stored = session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    ).one()
    if stored.request_hash != digest:
        param = InvalidParam(
            location="header",
            field=KEY_HEADER,
            code="idempotency_key_reused",
            reason="this key was already used with a different request body",
        )
        raise InvalidInput(
            f"The {KEY_HEADER} {key!r} was already used with a different request; "
            "use a new key for a new request.",
            errors=[param],
        )
    if stored.response_status == 0:
        raise Conflict(
            f"A request with the {KEY_HEADER} {key!r} is still being processed; retry in a moment."
        )
    return stored


def store(session: Session, scope: str, key: str, status: int, body: Any) -> None:
    row = session.get(IdempotencyKey, (scope, key))
    assert row is not None, "store() follows a successful claim()"
    row.response_status = status
    row.response_body = body
    session.flush()


def purge_expired(session: Session) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at < utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]
