"""Request and response shapes."""

from sqlmodel import Field, SQLModel

from ehp_api.indicators.models import (
    Aggregation,
    BooleanKind,
    IndicatorSource,
    MeasureType,
)

# The plan's codes, as path and query parameters take them (indicator 1.2.3.4 measures activity
# 1.2.3 of objective 1.2 of axis 1).
AXIS_CODE = r"^\d+$"
OBJECTIVE_CODE = r"^\d+\.\d+$"
ACTIVITY_CODE = r"^\d+\.\d+\.\d+$"
INDICATOR_CODE = r"^\d+\.\d+\.\d+\.\d+$"


class OptionPublic(SQLModel):
    code: str = Field(description="Option code, the value sent in a disaggregation object.")
    label_fr: str = Field(description="Label in French.")
    label_en: str | None = Field(None, description="Label in English.")


class DisaggregationPublic(SQLModel):
    code: str = Field(
        description="Category code, the key in a disaggregation object.",
        schema_extra={"examples": ["zone"]},
    )
    label_fr: str = Field(description="Label in French.")
    label_en: str | None = Field(None, description="Label in English.")
    share_option: str | None = Field(
        None,
        description="The option whose share the indicators ask for (`liptako_gourma`, `field`); "
        "the share is over the part whose option is known.",
    )
    options: list[OptionPublic] = Field(description="The allowed options.")


class IndicatorPublic(SQLModel):
    code: str = Field(
        description="Indicator code `axis.objective.activity.n`.",
        schema_extra={"examples": ["1.3.2.1"]},
    )
    activity: str = Field(description="Code of the activity it measures.")
    text_fr: str = Field(description="The indicator as written in the plan (French).")
    text_en: str | None = Field(None, description="English translation.")
    measure: MeasureType = Field(
        description="`count`, `percentage` (numerator over denominator) or `boolean`."
    )
    liptako_gourma: bool = Field(description="The indicator names the Liptako Gourma area.")
    numerator_label: str | None = Field(
        None, description="For a percentage: what the numerator counts."
    )
    denominator_label: str | None = Field(
        None, description="For a percentage: what the denominator counts."
    )
    disaggregations: list[DisaggregationPublic] = Field(
        description="Breakdowns the indicator asks for."
    )
    planned_periods: list[str] = Field(
        description="Quarters in which it is planned to be reported."
    )
    source: IndicatorSource = Field(
        description=(
            "`manual`: partners post readings; `computed`: the service counts its own records."
        )
    )
    computed_from: str | None = Field(
        None, description="For a computed indicator: exactly which records are counted, and when."
    )
    aggregation: Aggregation = Field(
        description="How several organisations' readings combine: `sum` (each one's own work "
        "adds up) or `collective` (one fact of the EHP: the reporter of record's figure counts)."
    )
    reporter_of_record: str | None = Field(
        None, description="Collective indicators: the organisation whose figure counts."
    )
    boolean_kind: BooleanKind | None = Field(
        None,
        description="Yes/no indicators: `milestone` (stays achieved), `annual` (answered per "
        "year) or `updated` (shown with the period it was last confirmed).",
    )
    aggregation_note: str | None = Field(
        None, description="Why the indicator is classified so (the document's wording and leads)."
    )
