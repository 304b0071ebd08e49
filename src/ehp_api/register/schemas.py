"""Request and response shapes of the register."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ehp_api.activity_status.schemas import EvidenceLink
from ehp_api.core.db import MAX_ID, IsoDate
from ehp_api.register.models import ActionStatus, MeetingKind, ProtectionArea

Document = Annotated[str, Field(min_length=1, max_length=300)]
_CLOSED = ConfigDict(extra="forbid")


def _if_sent(**field: Any) -> Any:
    """An update's field that takes no `null`: absent, it is left unchanged; sent as `null`, its
    type refuses it (as `alerts.schemas`)."""
    return Field(None, **field)


class Stamped(BaseModel):
    id: int = Field(description="The entry's id.")
    created_by: str = Field(description="Who recorded it.")
    created_at: datetime = Field(description="When it was recorded (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")


# Meetings


class MeetingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "held_on": "2021-05-10",
                    "kind": "ad_hoc",
                    "protection_on_agenda": True,
                    "documents": ["Protection dashboard 2021Q1", "Note on Ménaka displacement"],
                }
            ]
        },
    )

    held_on: IsoDate = Field(description="The day the meeting was held.")
    kind: MeetingKind = Field(description="`ordinary` or `ad_hoc`.")
    protection_on_agenda: StrictBool = Field(description="Protection was on its agenda.")
    documents: list[Document] = Field(
        default_factory=list, max_length=30, description="Titles of the documents it discussed."
    )


class MeetingUpdate(BaseModel):
    model_config = _CLOSED

    held_on: IsoDate = _if_sent(description="The day the meeting was held.")
    kind: MeetingKind = _if_sent(description="`ordinary` or `ad_hoc`.")
    protection_on_agenda: StrictBool = _if_sent(description="Protection was on its agenda.")
    documents: list[Document] = _if_sent(
        max_length=30, description="Titles of the documents it discussed."
    )


class MeetingPublic(Stamped):
    held_on: date = Field(description="The day the meeting was held.")
    kind: MeetingKind = Field(description="`ordinary` or `ad_hoc`.")
    protection_on_agenda: bool = Field(description="Protection was on its agenda.")
    documents: list[str] = Field(description="Titles of the documents it discussed.")


# Thematic notes


class ThematicNoteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Child recruitment in Ménaka",
                    "received_on": "2021-05-03",
                    "area": "child_protection",
                    "recommendations": "Raise with the parties at the next civil-military forum.",
                    "deliberated": True,
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=300, description="The note's title.")
    received_on: IsoDate = Field(description="The day the EHP received it.")
    area: ProtectionArea = Field(description="The area of responsibility it covers.")
    recommendations: str | None = Field(
        None, max_length=4000, description="Its recommendations for action."
    )
    deliberated: StrictBool = Field(False, description="The EHP deliberated on it.")


class ThematicNoteUpdate(BaseModel):
    model_config = _CLOSED

    title: str = _if_sent(min_length=1, max_length=300, description="The note's title.")
    received_on: IsoDate = _if_sent(description="The day the EHP received it.")
    area: ProtectionArea = _if_sent(description="The area of responsibility it covers.")
    recommendations: str | None = Field(
        None, max_length=4000, description="Its recommendations for action."
    )
    deliberated: StrictBool = _if_sent(description="The EHP deliberated on it.")


class ThematicNotePublic(Stamped):
    title: str = Field(description="The note's title.")
    received_on: date = Field(description="The day the EHP received it.")
    area: ProtectionArea = Field(description="The area of responsibility it covers.")
    recommendations: str | None = Field(None, description="Its recommendations for action.")
    deliberated: bool = Field(description="The EHP deliberated on it.")


# Information requests


class InformationRequestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "Displacement trends along the Niger border",
                    "asked_on": "2021-05-10",
                    "asked_by": "OCHA",
                    "due_on": "2021-05-31",
                }
            ]
        },
    )

    subject: str = Field(min_length=1, max_length=500, description="What the EHP asked for.")
    asked_on: IsoDate = Field(description="The day the EHP asked.")
    asked_by: str = Field(
        min_length=1, max_length=32, description="The organisation that asked (code)."
    )
    due_on: IsoDate | None = Field(None, description="When the answer is due.")
    answered_on: IsoDate | None = Field(None, description="The day it was answered.")
    note_supplied: StrictBool = Field(False, description="A note was supplied in answer.")
    liptako_gourma: StrictBool | None = Field(
        None, description="The note supplied covers Liptako Gourma (null: not said)."
    )


class InformationRequestUpdate(BaseModel):
    model_config = _CLOSED

    subject: str = _if_sent(min_length=1, max_length=500, description="What was asked.")
    asked_on: IsoDate = _if_sent(description="The day the EHP asked.")
    asked_by: str = _if_sent(min_length=1, max_length=32, description="Who asked (code).")
    due_on: IsoDate | None = Field(None, description="When the answer is due.")
    answered_on: IsoDate | None = Field(None, description="The day it was answered.")
    note_supplied: StrictBool = _if_sent(description="A note was supplied in answer.")
    liptako_gourma: StrictBool | None = Field(
        None, description="The note supplied covers Liptako Gourma (null: not said)."
    )


class InformationRequestPublic(Stamped):
    subject: str = Field(description="What the EHP asked for.")
    asked_on: date = Field(description="The day the EHP asked.")
    asked_by: str = Field(description="The organisation that asked (code).")
    due_on: date | None = Field(None, description="When the answer is due.")
    answered_on: date | None = Field(None, description="The day it was answered.")
    note_supplied: bool = Field(description="A note was supplied in answer.")
    liptako_gourma: bool | None = Field(
        None, description="The note supplied covers Liptako Gourma (null: not said)."
    )


# Decisions and action points


class ActionPointIn(BaseModel):
    model_config = _CLOSED

    description: str = Field(min_length=1, max_length=2000, description="What is to be done.")
    owner: str = Field(min_length=1, max_length=32, description="The organisation that does it.")
    due_on: IsoDate = Field(description="When it is due.")


class ActionPointUpdate(BaseModel):
    """The owner organisation changes `status` and `evidence`; the secretariat any field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "done",
                    "evidence": [{"url": "https://example.org/letter-2021-05.pdf"}],
                }
            ]
        },
    )

    status: ActionStatus = _if_sent(description="`open`, `in_progress`, `done` or `dropped`.")
    evidence: list[EvidenceLink] = _if_sent(
        max_length=10, description="Means of verification (links)."
    )
    description: str = _if_sent(
        min_length=1, max_length=2000, description="What is to be done (secretariat)."
    )
    owner: str = _if_sent(
        min_length=1,
        max_length=32,
        description="The organisation that does it (secretariat).",
    )
    due_on: IsoDate = _if_sent(description="When it is due (secretariat).")


class ActionPointPublic(Stamped):
    decision_id: int = Field(description="The decision it follows.")
    description: str = Field(description="What is to be done.")
    owner: str = Field(description="The organisation that does it (code).")
    due_on: date = Field(description="When it is due.")
    status: ActionStatus = Field(description="How far it has got.")
    evidence: list[EvidenceLink] = Field(description="Means of verification.")
    overdue: bool = Field(description="Past its due date and neither done nor dropped.")


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decided_on": "2021-05-10",
                    "text": "The HC writes to the governor of Gao.",
                    "action_points": [
                        {"description": "Draft the letter", "owner": "OCHA", "due_on": "2021-05-24"}
                    ],
                }
            ]
        },
    )

    decided_on: IsoDate = Field(description="The day the EHP decided.")
    text: str = Field(min_length=1, max_length=2000, description="What the EHP decided.")
    meeting_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The register's meeting that took it, if recorded."
    )
    action_points: list[ActionPointIn] = Field(
        default_factory=list, max_length=20, description="What it asks, of whom, by when."
    )


class DecisionPublic(Stamped):
    decided_on: date = Field(description="The day the EHP decided.")
    text: str = Field(description="What the EHP decided.")
    meeting_id: int | None = Field(None, description="The meeting that took it.")
    alert_id: int | None = Field(None, description="The escalated alert (saisine) it answers.")
    action_points: list[ActionPointPublic] = Field(description="Its action points.")


class OverdueCount(BaseModel):
    on: date = Field(description="The day counted at (today).")
    overdue: int = Field(description="Action points past due, neither done nor dropped.")
    by_organisation: dict[str, int] = Field(description="The same, by owner organisation.")
