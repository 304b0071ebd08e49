"""The append-only audit log: who did what to which record, and what changed.

An event is known outside by `public_id`, a random token, never by its row id: the row ids
increase, and events about confidential records are hidden from most readers, so the gaps
between the ids they see would count the events they may not see."""

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, false
from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.principal import PrincipalKind

PUBLIC_ID_BYTES = 16  # 128 random bits, as 32 hex digits


def new_public_id() -> str:
    return secrets.token_hex(PUBLIC_ID_BYTES)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(
        default_factory=new_public_id, max_length=2 * PUBLIC_ID_BYTES, unique=True, index=True
    )
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    principal_kind: PrincipalKind = Field(sa_type=enum_type(PrincipalKind))
    principal_id: int | None = None
    principal_name: str = Field(max_length=254)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    action: str = Field(max_length=80, index=True)
    entity_type: str = Field(max_length=80)
    entity_id: str | None = Field(default=None, max_length=80)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    request_id: str | None = Field(default=None, max_length=128, index=True)
    # About a confidential record: only roles that may read such records see the event at all.
    confidential: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class AuditEventPublic(SQLModel):
    id: str = Field(
        description="Event id: a random token, unique; it tells nothing of the events' order or "
        "number (the list's order does)."
    )
    occurred_at: datetime = Field(description="When it happened (UTC).")
    principal_kind: PrincipalKind = Field(description="`user`, `api_key` or `system` (the CLI).")
    principal_id: int | None = Field(None, description="User or key id.")
    principal_name: str = Field(description="User email, key prefix and name, or `cli:<account>`.")
    organisation: str | None = Field(None, description="Code of the principal's organisation.")
    action: str = Field(
        description="What was done, `<entity>.<verb>`.",
        schema_extra={"examples": ["api_key.create"]},
    )
    entity_type: str = Field(description="Kind of record acted on.")
    entity_id: str | None = Field(None, description="Id or code of the record.")
    changes: dict[str, Any] = Field(
        description=(
            'Changed fields as `{field: {"old": ..., "new": ...}}`; '
            "sensitive values are masked as `***`."
        )
    )
    request_id: str | None = Field(None, description="`X-Request-ID` of the API request, if any.")
