"""Organisations: the EHP's members and the other actors of the plan; the service's tenants."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.i18n import N_, enum_labels


class OrganisationKind(StrEnum):
    un_agency = "un_agency"
    un_secretariat_office = "un_secretariat_office"
    peacekeeping_mission = "peacekeeping_mission"
    ngo = "ngo"
    ngo_forum = "ngo_forum"
    coordination_body = "coordination_body"
    network = "network"
    donor_group = "donor_group"
    expert_body = "expert_body"
    country_team = "country_team"
    government = "government"
    other = "other"


enum_labels(
    OrganisationKind,
    {
        OrganisationKind.un_agency: N_("UN agency"),
        OrganisationKind.un_secretariat_office: N_("UN Secretariat office"),
        OrganisationKind.peacekeeping_mission: N_("Peacekeeping mission"),
        OrganisationKind.ngo: N_("NGO"),
        OrganisationKind.ngo_forum: N_("NGO forum"),
        OrganisationKind.coordination_body: N_("Coordination body"),
        OrganisationKind.network: N_("Network"),
        OrganisationKind.donor_group: N_("Donor group"),
        OrganisationKind.expert_body: N_("Expert body"),
        OrganisationKind.country_team: N_("Country team"),
        OrganisationKind.government: N_("Government"),
        OrganisationKind.other: N_("Other"),
    },
)


class OrganisationBase(SQLModel):
    code: str = Field(
        max_length=32,
        regex=r"^[A-Z0-9][A-Z0-9-]{1,31}$",
        description="Stable code: the acronym when there is one (`HCR`, `OCHA`).",
        schema_extra={"examples": ["HCR"]},
    )
    acronym: str | None = Field(None, max_length=32, description="The acronym, if any.")
    name_fr: str = Field(max_length=300, description="Name in French.")
    name_en: str | None = Field(None, max_length=300, description="Name in English.")
    kind: OrganisationKind = Field(description="What kind of actor this is.")
    ehp_member: bool = Field(False, description="Member of the Humanitarian Country Team (EHP).")
    description: str | None = Field(None, max_length=2000, description="A short note.")


class Organisation(OrganisationBase, table=True):
    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    kind: OrganisationKind = Field(sa_type=enum_type(OrganisationKind))
    aliases: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
