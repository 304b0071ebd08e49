"""Request and response shapes."""

from datetime import datetime

from pydantic import ConfigDict, EmailStr, StrictBool
from sqlmodel import Field, SQLModel

from ehp_api.core.permissions import Permission, Role
from ehp_api.core.principal import PrincipalKind


class _Strict(SQLModel):
    # A body naming a field the caller does not own (organisation, timestamps...) is refused.
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel types it as its own dict


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

    display_name: str = Field(None, min_length=1, max_length=200, description="New name.")
    role: Role = Field(None, description="New role.")
    is_active: StrictBool = Field(None, description="False blocks login and revokes sessions.")
    password: str = Field(None, min_length=12, max_length=200, description="New password.")


class UserPublic(SQLModel):
    id: int = Field(description="User id.")
    email: str = Field(description="Login.")
    display_name: str = Field(description="Name shown in audit trails.")
    organisation: str = Field(description="Code of the user's organisation.")
    role: Role = Field(description="The user's role.")
    is_active: bool = Field(description="Whether the user can log in.")
    created_at: datetime = Field(description="When the user was created (UTC).")
    last_login_at: datetime | None = Field(
        None, description="Last successful login (UTC); a login does not move `updated_at`."
    )
    updated_at: datetime = Field(
        description="Last change (UTC), deactivation included: what `updated_since` compares."
    )


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
    last_used_at: datetime | None = Field(
        None, description="Last use, to the minute (UTC); a use does not move `updated_at`."
    )
    updated_at: datetime = Field(
        description="Last change (UTC), revocation included: what `updated_since` compares."
    )


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(
        description=(
            "The key itself: shown once, store it now. Send it as `Authorization: Bearer <secret>`."
        )
    )


class TokenResponse(SQLModel):
    access_token: str = Field(description="Bearer token: `Authorization: Bearer <access_token>`.")
    token_type: str = Field(default="bearer", description="Always `bearer`.")
    expires_in: int = Field(description="Seconds until the token expires.")


class Me(SQLModel):
    kind: PrincipalKind = Field(description="`user` or `api_key`.")
    id: int = Field(description="User id or key id.")
    name: str = Field(description="The user's email or the key's name.")
    organisation: str = Field(description="Code of the caller's organisation.")
    role: Role = Field(description="The caller's role.")
    permissions: list[Permission] = Field(description="What the role allows.")
