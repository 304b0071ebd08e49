"""The register's tables: what the EHP itself does, recorded once by its secretariat."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.i18n import N_, enum_labels


class MeetingKind(StrEnum):
    ordinary = "ordinary"
    ad_hoc = "ad_hoc"


class ProtectionArea(StrEnum):
    """The Protection Cluster's areas of responsibility, and a note across them."""

    general_protection = "general_protection"
    child_protection = "child_protection"
    gender_based_violence = "gender_based_violence"
    mine_action = "mine_action"
    housing_land_property = "housing_land_property"
    cross_cutting = "cross_cutting"


class ActionStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


# An action point in one of these is finished: it is never overdue.
CLOSED_ACTIONS = (ActionStatus.done, ActionStatus.dropped)

enum_labels(
    MeetingKind,
    {MeetingKind.ordinary: N_("Ordinary meeting"), MeetingKind.ad_hoc: N_("Ad hoc meeting")},
)
enum_labels(
    ProtectionArea,
    {
        ProtectionArea.general_protection: N_("General protection"),
        ProtectionArea.child_protection: N_("Child protection"),
        ProtectionArea.gender_based_violence: N_("Gender-based violence"),
        ProtectionArea.mine_action: N_("Mine action"),
        ProtectionArea.housing_land_property: N_("Housing, land and property"),
        ProtectionArea.cross_cutting: N_("Cross-cutting"),
    },
)
enum_labels(
    ActionStatus,
    {
        ActionStatus.open: N_("Open"),
        ActionStatus.in_progress: N_("In progress"),
        ActionStatus.done: N_("Done"),
        ActionStatus.dropped: N_("Dropped"),
    },
)


class Recorded(SQLModel):
    """Who recorded a register entry and when it last changed."""

    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Meeting(Recorded, table=True):
    """An EHP meeting; `documents` are the titles of the documents it discussed."""

    __tablename__ = "register_meetings"

    id: int | None = Field(default=None, primary_key=True)
    held_on: date = Field(index=True)
    kind: MeetingKind = Field(sa_type=enum_type(MeetingKind))
    protection_on_agenda: bool
    documents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ThematicNote(Recorded, table=True):
    """A thematic protection note the EHP received, and whether it deliberated on it."""

    __tablename__ = "register_notes"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    received_on: date = Field(index=True)
    area: ProtectionArea = Field(sa_type=enum_type(ProtectionArea))
    recommendations: str | None = Field(default=None, max_length=4000)
    deliberated: bool = False


class InformationRequest(Recorded, table=True):
    """A request of the EHP for more protection information, and the note that answered it.
    `liptako_gourma`: whether the note supplied covers Liptako Gourma (None: not said)."""

    __tablename__ = "register_information_requests"

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=500)
    asked_on: date = Field(index=True)
    asked_by_organisation_id: int = Field(foreign_key="organisations.id")
    due_on: date | None = None
    answered_on: date | None = Field(default=None, index=True)
    note_supplied: bool = False
    liptako_gourma: bool | None = None


class Decision(Recorded, table=True):
    """A decision of the EHP; one taken on an escalated alert (a saisine) names the alert."""

    __tablename__ = "register_decisions"

    id: int | None = Field(default=None, primary_key=True)
    decided_on: date = Field(index=True)
    text: str = Field(max_length=2000)
    meeting_id: int | None = Field(default=None, foreign_key="register_meetings.id")
    # One decision per saisine: a second one from the same alert is a conflict.
    alert_id: int | None = Field(default=None, foreign_key="alerts.id", unique=True)


class ActionPoint(Recorded, table=True):
    """What a decision asks of one organisation, by when, and how far it has got."""

    __tablename__ = "register_action_points"
    # The overdue list and count: open points by due date.
    __table_args__ = (Index("ix_register_action_points_status_due_on", "status", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="register_decisions.id", index=True, ondelete="CASCADE")
    description: str = Field(max_length=2000)
    owner_organisation_id: int = Field(foreign_key="organisations.id", index=True)
    due_on: date
    status: ActionStatus = Field(sa_type=enum_type(ActionStatus), default=ActionStatus.open)
    evidence: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
