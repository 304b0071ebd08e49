"""Organisations: the EHP's members and the other actors of the plan; the service's tenants."""

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, StrictBool
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow


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


class OrganisationPublic(OrganisationBase):
    aliases: list[str] = Field(description="The spellings of its name found in the work plan.")
    created_at: datetime = Field(description="When the record was created (UTC).")
    updated_at: datetime = Field(description="When the record last changed (UTC).")


class OrganisationRef(SQLModel):
    """The organisation as nested in other records."""

    code: str = Field(description="Organisation code.")
    name_fr: str = Field(description="Name in French.")
    name_en: str | None = Field(None, description="Name in English.")


class OrganisationCreate(OrganisationBase):
    """A new organisation (tenant), e.g. an NGO that will post readings."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    # true or false only, not 0, 1 or "yes" (SQLModel's Field takes no `strict`).
    ehp_member: StrictBool = Field(False, description="Member of the Humanitarian Country Team.")


class OrganisationUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    acronym: str | None = Field(None, max_length=32, description="The acronym, if any.")
    name_fr: str = Field(None, min_length=1, max_length=300, description="Name in French.")  # type: ignore[assignment]
    name_en: str | None = Field(None, max_length=300, description="Name in English.")
    kind: OrganisationKind = Field(None, description="What kind of actor this is.")  # type: ignore[assignment]
    ehp_member: StrictBool = Field(None, description="Member of the EHP.")  # type: ignore[assignment]
    description: str | None = Field(None, max_length=2000, description="A short note.")
