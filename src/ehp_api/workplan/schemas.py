"""Request and response shapes."""

from datetime import date

from sqlmodel import Field, SQLModel

from ehp_api.indicators.schemas import IndicatorPublic
from ehp_api.organisations.schemas import OrganisationRef


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
