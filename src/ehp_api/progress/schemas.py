"""What the values endpoint, the dashboard and the exports show of an indicator's figures."""

from datetime import datetime

from pydantic import BaseModel, Field

from ehp_api.indicators.models import Aggregation, BooleanKind, IndicatorSource, MeasureType

Value = float | int | bool | None


class Share(BaseModel):
    category: str = Field(description="The breakdown: `zone` or `setting`.")
    option: str = Field(description="The option whose share is asked: `liptako_gourma`, `field`.")
    share: float | None = Field(
        description="Part (0-100) of `known`; null when nothing is known of this breakdown."
    )
    part: int = Field(description="The option's part of the value.")
    known: int = Field(description="The part of the value whose option is known.")
    unknown: int = Field(description="The part of the value whose option is not known.")


class AlsoReported(BaseModel):
    organisation: str = Field(description="Organisation code.")
    value: Value = Field(description="The figure it reported, which does not count.")
    records: int = Field(description="How many readings its figure rests on.")


class TargetProgress(BaseModel):
    year: int = Field(description="The target's year.")
    zone: str | None = Field(None, description="The zone it is set for; null: the whole.")
    target: Value = Field(description="The secretariat's target for the year.")
    baseline: Value = Field(None, description="The baseline, where one is set.")
    achieved_to_date: Value = Field(
        None, description="The figure for the target's year, to the end of the period."
    )
    percent_of_target: float | None = Field(
        None, description="100 x achieved / target (1 decimal); for yes/no, 100 or 0."
    )


class IndicatorFigures(BaseModel):
    """An indicator's value for a period, with what it rests on and how it was counted."""

    value: Value = Field(None, description="Count, percentage (0-100) or yes/no.")
    numerator: int | None = Field(None, description="Percentage: the summed numerators.")
    denominator: int | None = Field(None, description="Percentage: the summed denominators.")
    liptako_gourma_share: float | None = Field(
        None,
        description="Part (0-100) in Liptako Gourma of the part whose zone is known, where the "
        "indicator asks for it.",
    )
    zone_unknown: int | None = Field(
        None,
        description="Where a zone share is asked: the part of the value whose zone is unknown.",
    )
    shares: list[Share] = Field(
        default_factory=list, description="Every share the indicator asks for, over what is known."
    )
    breakdown: dict[str, dict[str, Value]] = Field(
        default_factory=dict,
        description="Per breakdown category the indicator asks for, the value of each option "
        "(`unspecified`: the part posted without that breakdown).",
    )
    parts: dict[str, float | int] = Field(
        default_factory=dict,
        description="Computed indicators: every figure their wording asks for (3.2.1.5: "
        "`referred`, `with_response`, `adjusted`, `share_with_response`).",
    )
    records: int = Field(0, description="How many readings (or records) the value rests on.")
    organisations: int | None = Field(
        None,
        description="How many organisations' figures it rests on (collective: 1; computed "
        "indicators: null, they rest on records).",
    )
    counted_organisation: str | None = Field(
        None, description="Collective indicators: the organisation whose figure counts."
    )
    also_reported: list[AlsoReported] = Field(
        default_factory=list,
        description="Collective indicators: the other organisations' figures, which do not count.",
    )
    flags: list[str] = Field(
        default_factory=list,
        description="`not_from_reporter_of_record`, `reporters_disagree`, `region_and_cercles`, "
        "`cercles_exceed_region`, `total_from_breakdown`, `pending_corrections`.",
    )
    notes: list[str] = Field(default_factory=list, description="Each flag, in words.")
    achieved_in: str | None = Field(
        None, description="Yes/no: the first period with a validated yes (annual: of the year)."
    )
    last_confirmed_in: str | None = Field(
        None, description="`updated` yes/no: the last period with a validated yes."
    )
    targets: list[TargetProgress] = Field(
        default_factory=list, description="Progress against the year's targets."
    )


class PendingFigure(BaseModel):
    organisation: str = Field(description="Reporting organisation.")
    period: str = Field(description="The period it was posted for.")
    location: str | None = Field(None, description="P-code, if any.")
    disaggregation: dict[str, str] = Field(description="Breakdown; `{}` is the total.")
    validated_value: Value = Field(description="The value that counts until it is reviewed.")
    pending_value: Value = Field(description="The proposed value, awaiting review.")
    proposed_by: str = Field(description="Who proposed it.")
    proposed_at: datetime = Field(description="When (UTC).")


class ValuePoint(IndicatorFigures):
    period: str = Field(description="Quarter or year.")
    group: str | None = Field(
        None, description="The zone, organisation, P-code or breakdown option grouped by."
    )
    pending: list[PendingFigure] = Field(
        default_factory=list,
        description="Corrections awaiting review that you may see (the validated values count).",
    )


class IndicatorValues(BaseModel):
    indicator: str = Field(description="Indicator code.")
    measure: MeasureType = Field(description="Measure type.")
    source: IndicatorSource = Field(description="Readings or the service's records.")
    computed_from: str | None = Field(None, description="What a computed indicator counts.")
    aggregation: Aggregation = Field(description="How organisations combine: sum or collective.")
    reporter_of_record: str | None = Field(
        None, description="Collective: the organisation whose figure counts."
    )
    boolean_kind: BooleanKind | None = Field(None, description="Yes/no: its kind.")
    group_by: str = Field(description="How the values are grouped.")
    rules: str = Field(description="The aggregation rules applied.")
    values: list[ValuePoint] = Field(description="One point per period (and group).")
