"""People (users), partner systems (API keys) and the bearer tokens users log in for."""

from datetime import datetime

from pydantic import ConfigDict, EmailStr, StrictBool
from sqlmodel import Field, Relationship, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.permissions import Permission, Role
from ehp_api.core.principal import PrincipalKind
from ehp_api.organisations.models import Organisation


class User(SQLModel, table=True):
    __tablename__ = "users"

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

    organisation: Organisation = Relationship(sa_relationship_kwargs={"lazy": "joined"})


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


class _Strict(SQLModel):
    # A body naming a field the caller does not own (organisation, timestamps...) is refused.
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class UserCreate(_Strict):
    email: EmailStr = Field(
        description="Login, unique.", schema_extra={"examples": ["analyst@ocha.example"]}
    )
    display_name: str = Field(
        min_length=1, max_length=200, description="Name shown in audit trails."
    )
    organisation: str = Field(
        description="Code of the user's organisation.", schema_extra={"examples": ["OCHA"]}
    )
    role: Role = Field(description="What the user may do; see the permission table.")
    password: str = Field(min_length=12, max_length=200, description="At least 12 characters.")


class UserUpdate(_Strict):
    """Only the fields sent change; none of them takes `null` (a 422 naming the field)."""

    display_name: str = Field(None, min_length=1, max_length=200, description="New name.")  # type: ignore[assignment]
    role: Role = Field(None, description="New role.")  # type: ignore[assignment]
    is_active: StrictBool = Field(None, description="False blocks login and revokes sessions.")  # type: ignore[assignment]
    password: str = Field(None, min_length=12, max_length=200, description="New password.")  # type: ignore[assignment]


class UserPublic(SQLModel):
    id: int = Field(description="User id.")
    email: str = Field(description="Login.")
    display_name: str = Field(description="Name shown in audit trails.")
    organisation: str = Field(description="Code of the user's organisation.")
    role: Role = Field(description="The user's role.")
    is_active: bool = Field(description="Whether the user can log in.")
    created_at: datetime = Field(description="When the user was created (UTC).")
    last_login_at: datetime | None = Field(None, description="Last successful login (UTC).")


class ApiKeyCreate(_Strict):
    name: str = Field(
        min_length=1,
        max_length=200,
        description="What the key is for.",
        schema_extra={"examples": ["HCR Gao ActivityInfo sync"]},
    )
    organisation: str = Field(
        description="Code of the organisation the key acts for.", schema_extra={"examples": ["HCR"]}
    )
    role: Role = Field(Role.partner, description="The key's role; partner systems are `partner`.")
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Lifetime; none = no expiry."
    )


class ApiKeyPublic(SQLModel):
    id: int = Field(description="Key id.")
    name: str = Field(description="What the key is for.")
    prefix: str = Field(description="Public prefix that identifies the key in listings and logs.")
    organisation: str = Field(description="Code of the organisation the key acts for.")
    role: Role = Field(description="The key's role.")
    created_at: datetime = Field(description="Creation time (UTC).")
    expires_at: datetime | None = Field(None, description="Expiry (UTC), if any.")
    revoked_at: datetime | None = Field(None, description="Revocation time (UTC), if revoked.")
    last_used_at: datetime | None = Field(None, description="Last use, to the minute (UTC).")


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(
        description=(
            "The key itself: shown once, store it now. Send it as `Authorization: Bearer <secret>`."
        )
    )


class TokenResponse(SQLModel):
    access_token: str = Field(description="Bearer token: `Authorization: Bearer <access_token>`.")
    token_type: str = Field("bearer", description="Always `bearer`.")
    expires_in: int = Field(description="Seconds until the token expires.")


class Me(SQLModel):
    kind: PrincipalKind = Field(description="`user` or `api_key`.")
    id: int = Field(description="User id or key id.")
    name: str = Field(description="The user's email or the key's name.")
    organisation: str = Field(description="Code of the caller's organisation.")
    role: Role = Field(description="The caller's role.")
    permissions: list[Permission] = Field(description="What the role allows.")


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
