"""Reporting periods of the plan: quarters (`2021Q2`) and years (`2021`)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

from sqlmodel import Field, Relationship, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.i18n import N_, enum_labels

PERIOD_PATTERN = r"^\d{4}(Q[1-4])?$"


class PeriodKind(StrEnum):
    quarter = "quarter"
    year = "year"


enum_labels(
    PeriodKind,
    {
        PeriodKind.quarter: N_("Quarter"),
        PeriodKind.year: N_("Year"),
    },
)


class PeriodBase(SQLModel):
    code: str = Field(
        max_length=6,
        regex=PERIOD_PATTERN,
        description="`YYYYQn` for a quarter, `YYYY` for a year.",
        schema_extra={"examples": ["2021Q2"]},
    )
    kind: PeriodKind = Field(description="`quarter` or `year`.")
    year: int = Field(description="Calendar year.")
    quarter: int | None = Field(None, ge=1, le=4, description="Quarter number; null for a year.")
    starts_on: date = Field(description="First day of the period.")
    ends_on: date = Field(description="Last day of the period.")


class Period(PeriodBase, table=True):
    __tablename__ = "periods"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=6, unique=True)
    kind: PeriodKind = Field(sa_type=enum_type(PeriodKind))

    lock: Optional["PeriodLock"] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "uselist": False}
    )


class PeriodLock(SQLModel, table=True):
    """A period closed to writes by the secretariat (locking a year locks its quarters)."""

    __tablename__ = "period_locks"

    period_id: int = Field(foreign_key="periods.id", primary_key=True)
    locked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    locked_by: str = Field(max_length=254)
    reason: str | None = Field(default=None, max_length=2000)
