"""Reporting periods of the plan: quarters (`2021Q2`) and years (`2021`)."""

from datetime import date
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ehp_api.db import enum_type

PERIOD_PATTERN = r"^\d{4}(Q[1-4])?$"


class PeriodKind(StrEnum):
    quarter = "quarter"
    year = "year"


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


class PeriodPublic(PeriodBase):
    pass
