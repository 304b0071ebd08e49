"""The work plan: strategy -> axes -> objectives -> activities, with leads, actors and schedule."""

from datetime import date

from sqlmodel import Field, Relationship, SQLModel

from ehp_api.indicators.models import Indicator, IndicatorPublic
from ehp_api.organisations.models import Organisation, OrganisationRef
from ehp_api.periods.models import Period


class Strategy(SQLModel, table=True):
    __tablename__ = "strategies"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    title_fr: str = Field(max_length=500)
    title_en: str | None = Field(None, max_length=500)
    starts_on: date
    ends_on: date


class Axis(SQLModel, table=True):
    __tablename__ = "axes"

    id: int | None = Field(default=None, primary_key=True)
    strategy_id: int = Field(foreign_key="strategies.id", index=True)
    code: str = Field(max_length=8, unique=True)
    title_fr: str
    title_en: str | None = None

    objectives: list["Objective"] = Relationship(
        back_populates="axis",
        sa_relationship_kwargs={"order_by": "Objective.id", "lazy": "selectin"},
    )


class Objective(SQLModel, table=True):
    __tablename__ = "objectives"

    id: int | None = Field(default=None, primary_key=True)
    axis_id: int = Field(foreign_key="axes.id", index=True)
    code: str = Field(max_length=8, unique=True)
    title_fr: str
    title_en: str | None = None
    nexus: bool = False

    axis: Axis = Relationship(
        back_populates="objectives", sa_relationship_kwargs={"lazy": "joined"}
    )
    activities: list["Activity"] = Relationship(
        back_populates="objective",
        sa_relationship_kwargs={"order_by": "Activity.id", "lazy": "selectin"},
    )


class Activity(SQLModel, table=True):
    __tablename__ = "activities"

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objectives.id", index=True)
    code: str = Field(max_length=12, unique=True)
    title_fr: str
    title_en: str | None = None
    liptako_gourma: bool = False
    all_ehp_members: bool = False
    leads_text: str | None = None
    other_actors_text: str | None = None
    schedule_note: str | None = None

    objective: Objective = Relationship(
        back_populates="activities", sa_relationship_kwargs={"lazy": "joined"}
    )
    leads: list["ActivityLead"] = Relationship(
        sa_relationship_kwargs={"order_by": "ActivityLead.position", "lazy": "selectin"}
    )
    other_actors: list["ActivityActor"] = Relationship(
        sa_relationship_kwargs={"order_by": "ActivityActor.position", "lazy": "selectin"}
    )
    schedule: list["ActivitySchedule"] = Relationship(sa_relationship_kwargs={"lazy": "selectin"})
    indicators: list[Indicator] = Relationship(
        sa_relationship_kwargs={"order_by": "Indicator.id", "lazy": "selectin"},
    )


class ActivityLead(SQLModel, table=True):
    """An EHP member leading an activity, with the role the plan gives it."""

    __tablename__ = "activity_leads"

    activity_id: int = Field(foreign_key="activities.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisations.id", primary_key=True, index=True)
    position: int
    role: str | None = Field(None, max_length=120)
    as_written: str | None = Field(None, max_length=200)

    organisation: Organisation = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class ActivityActor(SQLModel, table=True):
    """Another actor (or outside expertise) contributing to an activity."""

    __tablename__ = "activity_actors"

    activity_id: int = Field(foreign_key="activities.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisations.id", primary_key=True, index=True)
    position: int
    note: str | None = Field(None, max_length=300)
    tentative: bool = False
    as_written: str | None = Field(None, max_length=200)

    organisation: Organisation = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class ActivitySchedule(SQLModel, table=True):
    """A quarter in which the activity is planned."""

    __tablename__ = "activity_schedules"

    activity_id: int = Field(foreign_key="activities.id", primary_key=True, ondelete="CASCADE")
    period_id: int = Field(foreign_key="periods.id", primary_key=True, index=True)

    period: Period = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class ActivityLeadPublic(SQLModel):
    organisation: OrganisationRef = Field(description="The lead organisation.")
    role: str | None = Field(None, description="Role in parentheses in the plan (`Secrétariat`).")


class ActivityActorPublic(SQLModel):
    organisation: OrganisationRef = Field(description="The contributing actor.")
    note: str | None = Field(None, description="Precision given in the plan (unit, consultation).")
    tentative: bool = Field(description="Marked with a question mark in the plan (`+PROCAP?`).")


class ActivityPublic(SQLModel):
    code: str = Field(
        description="Activity code `axis.objective.n`.", schema_extra={"examples": ["1.2.1"]}
    )
    axis: str = Field(description="Code of the axis.")
    objective: str = Field(description="Code of the objective.")
    title_fr: str = Field(description="The activity as written in the plan (French).")
    title_en: str | None = Field(None, description="English translation.")
    liptako_gourma: bool = Field(
        description="The activity or one of its indicators targets Liptako Gourma."
    )
    all_ehp_members: bool = Field(description="`Tout EHP`: every EHP member leads it.")
    leads_text: str | None = Field(None, description="The lead cell as written in the plan.")
    leads: list[ActivityLeadPublic] = Field(description="Lead EHP members, in the plan's order.")
    other_actors_text: str | None = Field(None, description="The other-actors cell as written.")
    other_actors: list[ActivityActorPublic] = Field(
        description="Other actors and outside expertise."
    )
    planned_periods: list[str] = Field(description="Quarters in which the activity is planned.")
    schedule_note: str | None = Field(None, description="How an ambiguous schedule cell was read.")
    indicators: list[IndicatorPublic] = Field(
        description="Progress indicators, in the plan's order."
    )


class ActivitySummary(SQLModel):
    code: str = Field(description="Activity code.")
    title_fr: str = Field(description="The activity as written in the plan (French).")
    title_en: str | None = Field(None, description="English translation.")


class ObjectivePublic(SQLModel):
    code: str = Field(description="Objective code `axis.n`.", schema_extra={"examples": ["1.3"]})
    axis: str = Field(description="Code of the axis.")
    title_fr: str = Field(description="The objective as written in the plan (French).")
    title_en: str | None = Field(None, description="English translation.")
    nexus: bool = Field(description="Marked `(Nexus)`: humanitarian-development(-peace) nexus.")
    activities: list[ActivitySummary] = Field(description="Its activities, in the plan's order.")


class ObjectiveSummary(SQLModel):
    code: str = Field(description="Objective code.")
    title_fr: str = Field(description="The objective as written in the plan (French).")
    title_en: str | None = Field(None, description="English translation.")
    nexus: bool = Field(description="Marked `(Nexus)` in the plan.")


class AxisPublic(SQLModel):
    code: str = Field(description="Axis number.", schema_extra={"examples": ["1"]})
    title_fr: str = Field(description="The priority axis as written in the plan (French).")
    title_en: str | None = Field(None, description="English translation.")
    objectives: list[ObjectiveSummary] = Field(description="Its objectives, in the plan's order.")


class StrategyPublic(SQLModel):
    code: str = Field(description="Strategy code.")
    title_fr: str = Field(description="Title in French.")
    title_en: str | None = Field(None, description="Title in English.")
    starts_on: date = Field(description="First day of the work plan.")
    ends_on: date = Field(description="Last day of the work plan.")
