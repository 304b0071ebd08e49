"""Idempotency keys kept in the database, so that every worker gives a retry the same answer.

The key's row is inserted in the same transaction as the write it protects. On PostgreSQL a
concurrent request with the same key waits on the unique index until the first one commits,
then finds the stored answer; a request that failed leaves no row, so its retry runs again.
A row past `expires_at` is never replayed: the next request with its key takes the row over,
and `purge_expired` (`ehp-api purge-expired`) deletes the others. `ehp_api.web.idempotency` is what
the routes use.
"""

import hashlib
import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, delete, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, table_of, utcnow
from ehp_api.core.errors import Conflict, InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class Storage(StrEnum):
    plain = "plain"  # the answer as it was sent
    sealed = "sealed"  # encrypted: it holds something shown once
    withheld = "withheld"  # without what is shown once: a retry gets a 409, not a replay


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    scope: str = Field(max_length=120, primary_key=True)
    key: str = Field(max_length=MAX_KEY_LENGTH, primary_key=True)
    request_hash: str = Field(max_length=64)
    response_status: int = 0  # 0 until the request that took the key stores its answer
    response_body: Any = Field(default=None, sa_column=Column(JSON))
    response_storage: Storage = Field(
        default=Storage.plain,
        sa_type=enum_type(Storage),
        sa_column_kwargs={"server_default": Storage.plain.value},
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


KEYS = table_of(IdempotencyKey)


def request_hash(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def scope_of(principal: Principal, operation: str) -> str:
    """Keys belong to one caller and one operation: two partners may pick the same key."""
    return f"{operation}:{principal.kind}:{principal.id}"


def claim(
    session: Session, scope: str, key: str, digest: str, ttl: timedelta
) -> IdempotencyKey | None:
    """Take the key for this request (None), or return the stored row of an earlier one.

    Raises 422 when the key was used with a different body, 409 while the request that took
    it is still running."""
    check_key(key)
    if _take(session, scope, key, digest, ttl):
        return None
    stored = session.scalars(
        select(IdempotencyKey).where(KEYS.c.scope == scope, KEYS.c.key == key)
    ).one()
    if stored.request_hash != digest:
        param = InvalidParam(
            location="header",
            field=KEY_HEADER,
            code="idempotency_key_reused",
            reason=tr("this key was already used with a different request body"),
        )
        raise InvalidInput(
            tr(
                "The {KEY_HEADER} {key!r} was already used with a different request; "
                "use a new key for a new request.",
                KEY_HEADER=KEY_HEADER,
                key=key,
            ),
            errors=[param],
        )
    if stored.response_status == 0:
        raise Conflict(
            tr(
                "A request with the {KEY_HEADER} {key!r} is still being processed; "
                "retry in a moment.",
                KEY_HEADER=KEY_HEADER,
                key=key,
            )
        )
    return stored


def check_key(key: str) -> None:
    if 0 < len(key) <= MAX_KEY_LENGTH:
        return
    reason = tr(
        "must be 1 to {MAX_KEY_LENGTH} characters",
        MAX_KEY_LENGTH=MAX_KEY_LENGTH,
    )
    param = InvalidParam(
        location="header", field=KEY_HEADER, code="invalid_idempotency_key", reason=reason
    )
    raise InvalidInput(
        tr(
            "{KEY_HEADER} {reason}.",
            KEY_HEADER=KEY_HEADER,
            reason=reason,
        ),
        errors=[param],
    )


def _take(session: Session, scope: str, key: str, digest: str, ttl: timedelta) -> bool:
    """Insert the key's row, or take over an expired one, in one statement; False when a live
    row is there (on PostgreSQL, once the transaction that wrote it has ended)."""
    now = utcnow()
    values = {"request_hash": digest, "created_at": now, "expires_at": now + ttl}
    fresh = {**values, "response_status": 0, "response_body": null(), "response_storage": "plain"}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(KEYS)
        .values(scope=scope, key=key, **fresh)
        .on_conflict_do_update(
            index_elements=[KEYS.c.scope, KEYS.c.key], set_=fresh, where=KEYS.c.expires_at <= now
        )
        .returning(KEYS.c.key)
    )
    return session.execute(statement).first() is not None


def store(session: Session, scope: str, key: str, status: int, body: Any, storage: Storage) -> None:
    """Keep the answer of the request that took the key, in its transaction."""
    session.execute(
        update(KEYS)
        .where(KEYS.c.scope == scope, KEYS.c.key == key)
        .values(response_status=status, response_body=body, response_storage=storage)
    )


def purge_expired(session: Session) -> int:
    """Delete the keys past `expires_at` (they are never replayed); return how many."""
    result = session.exec(delete(KEYS).where(KEYS.c.expires_at <= utcnow()))
    return int(result.rowcount)
