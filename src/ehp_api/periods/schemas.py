"""Request and response shapes."""

from datetime import datetime

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from ehp_api.periods.models import PeriodBase


class PeriodLockIn(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel types it as its own dict

    reason: str | None = Field(None, max_length=2000, description="Why, e.g. `dashboard sent`.")


class PeriodLockPublic(SQLModel):
    locked_at: datetime = Field(description="Since when (UTC).")
    locked_by: str = Field(description="Who locked it.")
    reason: str | None = Field(None, description="Why.")


class PeriodPublic(PeriodBase):
    lock: PeriodLockPublic | None = Field(None, description="Set while the period is locked.")
