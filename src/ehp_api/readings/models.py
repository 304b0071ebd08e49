"""Indicator readings: what a partner measured for an indicator, period, place and breakdown."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from ehp_api.core import changes
from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.i18n import N_, enum_labels


class ReadingStatus(StrEnum):
    submitted = "submitted"
    validated = "validated"
    rejected = "rejected"


enum_labels(
    ReadingStatus,
    {
        ReadingStatus.submitted: N_("Awaiting review"),
        ReadingStatus.validated: N_("Validated"),
        ReadingStatus.rejected: N_("Rejected at review"),
    },
)


class Reading(SQLModel, table=True):
    """Values by measure: count -> `numerator`; percentage -> `numerator`/`denominator`;
    boolean -> `numerator` 1 or 0. One column family keeps aggregation a plain SUM/MAX."""

    __tablename__ = "readings"
    # Serves the indicator's own queries and the refresh of `reading_totals` (one organisation's
    # readings of one indicator in one year's periods).
    __table_args__ = (
        Index(
            "ix_readings_indicator_organisation_period",
            "indicator_id",
            "organisation_id",
            "period_id",
        ),
        # A partner's quarter, the commonest filter of the list and the exports, in id order: a
        # page of 50 stops at its 51st row, and an analyst's (validated readings only) is told
        # by the index without reading the rows. With the period's index alone, PostgreSQL read
        # the quarter's readings of every organisation to find one partner's (the figures:
        # CHANGELOG, 2026-12-06). It leads with the period, and serves what the period's own
        # index did.
        Index("ix_readings_period_organisation", "period_id", "organisation_id", "id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    natural_key: str = Field(max_length=400, unique=True)
    indicator_id: int = Field(foreign_key="indicators.id")
    period_id: int = Field(foreign_key="periods.id")
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="locations.id", index=True)
    disaggregation: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    zone: str | None = Field(default=None, max_length=40, index=True)
    numerator: int
    denominator: int | None = None
    # The last validated value: what counts in every figure, and keeps counting while a
    # correction (the value above, `submitted`) waits for review. None: never validated.
    validated_numerator: int | None = None
    validated_denominator: int | None = None
    off_schedule: bool = False
    status: ReadingStatus = Field(default=ReadingStatus.submitted, sa_type=enum_type(ReadingStatus))
    rejection_reason: str | None = Field(default=None, max_length=2000)
    comment: str | None = Field(default=None, max_length=2000)
    external_ref: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=254)
    # Who last changed its value or details: the author of a correction awaiting review.
    updated_by: str | None = Field(default=None, max_length=254)
    reviewed_by: str | None = Field(default=None, max_length=254)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )


# Other organisations see a reading while it is validated: sent back to review, it leaves them.
changes.track(Reading, "reading", status="status", organisation_id="organisation_id")


class ReadingHistory(SQLModel, table=True):
    """One change of a reading: who, when, its value and status from what to what, and every
    other field that changed (`changes`: field -> {old, new}), so nothing is lost on overwrite."""

    __tablename__ = "reading_history"

    id: int | None = Field(default=None, primary_key=True)
    reading_id: int = Field(foreign_key="readings.id", index=True, ondelete="CASCADE")
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    changed_by: str = Field(max_length=254)
    event: str = Field(max_length=20)
    old_numerator: int | None = None
    old_denominator: int | None = None
    new_numerator: int | None = None
    new_denominator: int | None = None
    old_status: str | None = Field(default=None, max_length=20)
    new_status: str | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    changes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
