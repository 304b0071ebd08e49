"""Request and response shapes."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from ehp_api.core.principal import PrincipalKind


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
