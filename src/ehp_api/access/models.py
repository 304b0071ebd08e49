"""People (users), partner systems (API keys) and the bearer tokens users log in for."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, Relationship, SQLModel

from ehp_api.core import changes
from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.permissions import Role
from ehp_api.organisations.models import Organisation


class User(SQLModel, table=True):
    __tablename__ = "users"
    # Sync: the list by change (`order=changed`, `updated_since`).
    __table_args__ = (Index("ix_users_updated_at_id", "updated_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=200)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    role: Role = Field(sa_type=enum_type(Role))
    password_hash: str = Field(max_length=200)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_updated_at_id", "updated_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16, unique=True)
    secret_hash: str = Field(max_length=64, unique=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    role: Role = Field(sa_type=enum_type(Role))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    organisation: Organisation = Relationship(sa_relationship_kwargs={"lazy": "joined"})


# Synced, never deleted: deactivating a user or revoking a key changes it (its `updated_at` moves).
# A login (`last_login_at`) is bookkeeping, not a change; a key's `last_used_at` is written past
# the ORM (`access.last_use`), so it moves nothing either.
changes.track(User, "user", quiet=frozenset({"last_login_at"}), removable=False)
changes.track(ApiKey, "api_key", removable=False)


class AccessToken(SQLModel, table=True):
    """An opaque bearer token issued at login; only its hash is stored."""

    __tablename__ = "access_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    user: User = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class LoginRefusal(SQLModel, table=True):
    """Logins refused by a rate limit, counted per (account, address) rather than audited one by
    one: a flood of 429s costs one row here, and the audit log gets one event when the refusals
    start and one summary when `ehp-api purge-expired` finds them ended. `*` stands for any
    account (the address's own limit refused) or any address (the account's ceiling refused)."""

    __tablename__ = "login_refusals"

    account: str = Field(max_length=254, primary_key=True)
    client_ip: str = Field(max_length=64, primary_key=True)
    count: int = Field(nullable=False)
    first_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # When the last refusal's window ends: until then the row is still counting.
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
