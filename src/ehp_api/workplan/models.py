"""The work plan: strategy -> axes -> objectives -> activities, with leads, actors and schedule."""

from datetime import date

from sqlmodel import Field, Relationship, SQLModel

from ehp_api.indicators.models import Indicator
from ehp_api.organisations.models import Organisation
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
