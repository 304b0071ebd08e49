"""Locations (OCHA P-codes, admin 1 and admin 2) and focus areas such as Liptako Gourma."""

from datetime import date
from enum import StrEnum
from typing import Optional

from sqlmodel import Field, Relationship, SQLModel

from ehp_api.core.i18n import N_, enum_labels

PCODE_PATTERN = r"^ML\d{2}(\d{2})?$"
# The focus area the figures break down by, and the zone outside it.
LIPTAKO, OTHER = "liptako_gourma", "other"


class Zone(StrEnum):
    """Where a location lies: in the Liptako Gourma focus area, or outside it."""

    liptako_gourma = LIPTAKO
    other = OTHER


class LocationBase(SQLModel):
    pcode: str = Field(
        max_length=12,
        regex=PCODE_PATTERN,
        description="OCHA P-code (COD-AB): `ML07` for a region, `ML0701` for a cercle.",
        schema_extra={"examples": ["ML0701"]},
    )
    name: str = Field(max_length=120, description="Name of the administrative area.")
    level: int = Field(ge=1, le=2, description="Administrative level: 1 region, 2 cercle.")


class Location(LocationBase, table=True):
    __tablename__ = "locations"

    id: int | None = Field(default=None, primary_key=True)
    pcode: str = Field(max_length=12, unique=True)
    parent_id: int | None = Field(default=None, foreign_key="locations.id", index=True)

    parent: Optional["Location"] = Relationship(
        sa_relationship_kwargs={"remote_side": "Location.id", "lazy": "joined"}
    )


class FocusArea(SQLModel, table=True):
    """A named geographic priority; its membership changes over time through versions."""

    __tablename__ = "focus_areas"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_fr: str = Field(max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)

    versions: list["FocusAreaVersion"] = Relationship(
        back_populates="focus_area",
        sa_relationship_kwargs={"order_by": "FocusAreaVersion.valid_from", "lazy": "selectin"},
    )


class FocusAreaVersion(SQLModel, table=True):
    """The set of P-codes that makes up a focus area from `valid_from` on."""

    __tablename__ = "focus_area_versions"

    id: int | None = Field(default=None, primary_key=True)
    focus_area_id: int = Field(foreign_key="focus_areas.id", index=True)
    valid_from: date
    note: str | None = Field(None, max_length=2000)

    focus_area: FocusArea = Relationship(back_populates="versions")
    members: list["FocusAreaMember"] = Relationship(
        back_populates="version", sa_relationship_kwargs={"lazy": "selectin"}
    )


class FocusAreaMember(SQLModel, table=True):
    """A P-code in a focus area version: the area and every location under it."""

    __tablename__ = "focus_area_members"

    version_id: int = Field(foreign_key="focus_area_versions.id", primary_key=True)
    location_id: int = Field(foreign_key="locations.id", primary_key=True)

    version: FocusAreaVersion = Relationship(back_populates="members")
    location: Location = Relationship(sa_relationship_kwargs={"lazy": "joined"})


enum_labels(
    Zone,
    {Zone.liptako_gourma: N_("Liptako Gourma"), Zone.other: N_("Outside Liptako Gourma")},
)
