"""Progress indicators of the plan and the disaggregation categories they ask for."""

from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from ehp_api.core.db import enum_type
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period


class MeasureType(StrEnum):
    count = "count"
    percentage = "percentage"
    boolean = "boolean"


class IndicatorSource(StrEnum):
    manual = "manual"
    computed = "computed"


class Aggregation(StrEnum):
    """How the readings of several organisations combine (DHIS2's aggregation type)."""

    sum = "sum"  # each organisation's own work: the figures add up
    collective = "collective"  # one fact of the EHP: the reporter of record's figure counts


class BooleanKind(StrEnum):
    """What a yes/no indicator asks."""

    milestone = "milestone"  # achieved once, stays achieved
    annual = "annual"  # answered for each year
    updated = "updated"  # "établi / actualisé": when it was last confirmed


class DisaggregationCategory(SQLModel, table=True):
    __tablename__ = "disaggregation_categories"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    label_fr: str = Field(max_length=200)
    label_en: str | None = Field(None, max_length=200)
    # The option whose share the indicators' wording asks for ("% sur Liptako Gourma").
    share_option: str | None = Field(None, max_length=40)

    options: list["DisaggregationOption"] = Relationship(
        sa_relationship_kwargs={"order_by": "DisaggregationOption.position", "lazy": "selectin"}
    )


class DisaggregationOption(SQLModel, table=True):
    __tablename__ = "disaggregation_options"
    __table_args__ = (UniqueConstraint("category_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    category_id: int = Field(foreign_key="disaggregation_categories.id", index=True)
    code: str = Field(max_length=40)
    position: int
    label_fr: str = Field(max_length=200)
    label_en: str | None = Field(None, max_length=200)


class Indicator(SQLModel, table=True):
    __tablename__ = "indicators"

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activities.id", index=True)
    code: str = Field(max_length=16, unique=True)
    text_fr: str
    text_en: str | None = None
    measure: MeasureType = Field(sa_type=enum_type(MeasureType))
    liptako_gourma: bool = False
    numerator_label: str | None = Field(None, max_length=300)
    denominator_label: str | None = Field(None, max_length=300)
    computed_from: str | None = Field(None, max_length=300)
    aggregation: Aggregation = Field(default=Aggregation.sum, sa_type=enum_type(Aggregation))
    reporter_organisation_id: int | None = Field(None, foreign_key="organisations.id")
    boolean_kind: BooleanKind | None = Field(None, sa_type=enum_type(BooleanKind))
    aggregation_note: str | None = Field(None, max_length=500)

    reporter: Organisation | None = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    # No relationship to the activity: indicators sit below the work plan and import nothing of
    # it (the activity's code is the indicator's code without its last part).
    disaggregations: list["IndicatorDisaggregation"] = Relationship(
        sa_relationship_kwargs={"order_by": "IndicatorDisaggregation.position", "lazy": "selectin"}
    )
    schedule: list["IndicatorSchedule"] = Relationship(sa_relationship_kwargs={"lazy": "selectin"})


class IndicatorDisaggregation(SQLModel, table=True):
    """A category the indicator is broken down by."""

    __tablename__ = "indicator_disaggregations"

    indicator_id: int = Field(foreign_key="indicators.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="disaggregation_categories.id", primary_key=True)
    position: int

    category: DisaggregationCategory = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class IndicatorSchedule(SQLModel, table=True):
    """A quarter in which the indicator is planned to be reported."""

    __tablename__ = "indicator_schedules"

    indicator_id: int = Field(foreign_key="indicators.id", primary_key=True, ondelete="CASCADE")
    period_id: int = Field(foreign_key="periods.id", primary_key=True, index=True)

    period: Period = Relationship(sa_relationship_kwargs={"lazy": "joined"})


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
