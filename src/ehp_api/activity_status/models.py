"""A lead organisation's word on how an activity is going in a quarter."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.i18n import N_, enum_labels


class ActivityState(StrEnum):
    not_started = "not_started"
    on_track = "on_track"
    delayed = "delayed"
    completed = "completed"
    cancelled = "cancelled"


enum_labels(
    ActivityState,
    {
        ActivityState.not_started: N_("Not started"),
        ActivityState.on_track: N_("On track"),
        ActivityState.delayed: N_("Delayed"),
        ActivityState.completed: N_("Completed"),
        ActivityState.cancelled: N_("Cancelled"),
    },
)


class ActivityStatus(SQLModel, table=True):
    """One lead organisation's status of one activity in one quarter (the secretariat may amend
    it: `amended_by`). Evidence links are the means of verification."""

    __tablename__ = "activity_statuses"
    __table_args__ = (UniqueConstraint("activity_id", "period_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activities.id", index=True, ondelete="CASCADE")
    period_id: int = Field(foreign_key="periods.id", index=True)
    organisation_id: int = Field(foreign_key="organisations.id")
    status: ActivityState = Field(sa_type=enum_type(ActivityState))
    comment: str | None = Field(default=None, max_length=500)
    evidence: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    reported_by: str = Field(max_length=254)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    amended_by: str | None = Field(default=None, max_length=254)
    amended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
