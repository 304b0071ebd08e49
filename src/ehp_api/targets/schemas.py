"""Request and response shapes of an indicator's baselines and targets."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from ehp_api.core.db import IsoDate
from ehp_api.indicators.models import MeasureType

# A count (integer), a percentage (0-100) or, for a yes/no indicator, true.
Amount = StrictBool | StrictInt | StrictFloat


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100, description="A year of the plan (2020-2022).")
    zone: str | None = Field(
        None, max_length=40, description="A zone option (`liptako_gourma`); null: the whole."
    )
    value: Amount = Field(
        description="A count (integer >= 0), a percentage (0-100), or true for a yes/no indicator."
    )
    note: str | None = Field(None, max_length=500, description="Source or reasoning.")


class BaselineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone: str | None = Field(
        None, max_length=40, description="A zone option (`liptako_gourma`); null: the whole."
    )
    value: Amount = Field(description="A count, a percentage (0-100), or true / false.")
    measured_on: IsoDate | None = Field(None, description="When the baseline was measured.")
    note: str | None = Field(None, max_length=500, description="Source of the baseline.")


class IndicatorTargetsIn(BaseModel):
    """The whole set for the indicator: it replaces what was set before."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "baselines": [{"value": 0, "measured_on": "2020-06-30", "note": "no forum"}],
                    "targets": [
                        {"year": 2021, "value": 12},
                        {"year": 2021, "zone": "liptako_gourma", "value": 6},
                    ],
                }
            ]
        },
    )

    baselines: list[BaselineIn] = Field(
        default_factory=list, max_length=10, description="At most one per zone (and the whole)."
    )
    targets: list[TargetIn] = Field(
        default_factory=list, max_length=30, description="At most one per year and zone."
    )


class TargetPublic(BaseModel):
    year: int = Field(description="The year.")
    zone: str | None = Field(None, description="The zone; null: the whole.")
    value: float | int | bool = Field(description="The target.")
    note: str | None = Field(None, description="Source or reasoning.")


class BaselinePublic(BaseModel):
    zone: str | None = Field(None, description="The zone; null: the whole.")
    value: float | int | bool = Field(description="The baseline.")
    measured_on: date | None = Field(None, description="When it was measured.")
    note: str | None = Field(None, description="Source of the baseline.")


class IndicatorTargetsPublic(BaseModel):
    indicator: str = Field(description="Indicator code.")
    measure: MeasureType = Field(description="`count`, `percentage` or `boolean`.")
    baselines: list[BaselinePublic] = Field(description="Baselines, the whole first.")
    targets: list[TargetPublic] = Field(description="Targets by year, the whole first.")
    set_by: str | None = Field(None, description="Who set them last.")
    set_at: datetime | None = Field(None, description="When (UTC).")
