"""Progress indicators of the plan and the disaggregation categories they ask for."""

from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from ehp_api.core.db import enum_type
from ehp_api.core.i18n import N_, enum_labels
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period


class MeasureType(StrEnum):
    count = "count"  # type: ignore[assignment]  # the member shadows str.count; the value is stored
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


enum_labels(
    MeasureType,
    {
        MeasureType.count: N_("Count"),
        MeasureType.percentage: N_("Percentage"),
        MeasureType.boolean: N_("Yes/no"),
    },
)
enum_labels(
    IndicatorSource,
    {
        IndicatorSource.manual: N_("Reported by partners"),
        IndicatorSource.computed: N_("Computed by the service"),
    },
)
enum_labels(
    Aggregation,
    {
        Aggregation.sum: N_("Sum of the organisations' figures"),
        Aggregation.collective: N_("One figure for the EHP (reporter of record)"),
    },
)
enum_labels(
    BooleanKind,
    {
        BooleanKind.milestone: N_("Milestone (stays achieved)"),
        BooleanKind.annual: N_("Annual (answered each year)"),
        BooleanKind.updated: N_("Established / updated"),
    },
)


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
