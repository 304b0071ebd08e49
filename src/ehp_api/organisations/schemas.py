"""Request and response shapes."""

from datetime import datetime

from pydantic import ConfigDict, StrictBool
from sqlmodel import Field, SQLModel

from ehp_api.organisations.models import OrganisationBase, OrganisationKind


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

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel types it as its own dict

    # true or false only, not 0, 1 or "yes" (SQLModel's Field takes no `strict`).
    ehp_member: StrictBool = Field(False, description="Member of the Humanitarian Country Team.")


class OrganisationUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel types it as its own dict

    acronym: str | None = Field(None, max_length=32, description="The acronym, if any.")
    name_fr: str = Field(None, min_length=1, max_length=300, description="Name in French.")
    name_en: str | None = Field(None, max_length=300, description="Name in English.")
    kind: OrganisationKind = Field(None, description="What kind of actor this is.")
    ehp_member: StrictBool = Field(None, description="Member of the EHP.")
    description: str | None = Field(None, max_length=2000, description="A short note.")
