"""Baselines and yearly targets of an indicator, optionally for a zone. The work plan sets none:
the secretariat sets them through the API."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, utcnow


class IndicatorTarget(SQLModel, table=True):
    """What an indicator should reach in a year (a count, a percentage, or 1 for yes)."""

    __tablename__ = "indicator_targets"

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicators.id", index=True, ondelete="CASCADE")
    year: int
    zone: str | None = Field(default=None, max_length=40)  # None: the whole
    value: float
    note: str | None = Field(default=None, max_length=500)
    set_by: str = Field(max_length=254)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class IndicatorBaseline(SQLModel, table=True):
    """Where an indicator stood before the plan's activities (a count, a percentage, 1 or 0)."""

    __tablename__ = "indicator_baselines"

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicators.id", index=True, ondelete="CASCADE")
    zone: str | None = Field(default=None, max_length=40)
    value: float
    measured_on: date | None = None
    note: str | None = Field(default=None, max_length=500)
    set_by: str = Field(max_length=254)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
