"""Request and response shapes."""

from datetime import date

from sqlmodel import Field, SQLModel

from ehp_api.locations.models import LocationBase


class LocationPublic(LocationBase):
    parent: str | None = Field(None, description="P-code of the parent area (admin 1).")


class FocusAreaVersionPublic(SQLModel):
    valid_from: date = Field(description="First day on which this membership applies.")
    pcodes: list[str] = Field(description="P-codes in the area (their sub-areas are in it too).")
    note: str | None = Field(None, description="Why or from what source.")


class FocusAreaPublic(SQLModel):
    code: str = Field(description="Focus area code.", schema_extra={"examples": ["liptako_gourma"]})
    name_fr: str = Field(description="Name in French.")
    name_en: str | None = Field(None, description="Name in English.")
    description: str | None = Field(None, description="What the area is and where it comes from.")
    versions: list[FocusAreaVersionPublic] = Field(
        description="Membership over time, oldest first."
    )
