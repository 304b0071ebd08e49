"""Complaints and feedback from affected communities, their referral, response and closure.

Confidential records (SEA allegations, and any complaint marked sensitive) live in the same
table: `sensitive` is true for them, and every query filters on it (see policy.visible_to).
Identity (name, phone) is never a column of its own: it is one Fernet token, `identity_token`.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from ehp_api.core import changes
from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.enums import NamedMembers
from ehp_api.core.i18n import N_, enum_labels


class Channel(StrEnum):
    hotline = "hotline"
    help_desk = "help_desk"
    suggestion_box = "suggestion_box"
    community_meeting = "community_meeting"
    sms = "sms"
    email = "email"
    in_person = "in_person"
    partner_referral = "partner_referral"


class Category(StrEnum):
    information_request = "information_request"
    feedback = "feedback"
    assistance_complaint = "assistance_complaint"
    exclusion = "exclusion"
    protection_concern = "protection_concern"
    fraud_or_corruption = "fraud_or_corruption"
    staff_misconduct = "staff_misconduct"
    sea_allegation = "sea_allegation"
    other = "other"


class ComplaintStatus(StrEnum):
    received = "received"
    referred = "referred"
    accepted = "accepted"
    rejected = "rejected"
    responded = "responded"
    closed = "closed"


class Outcome(StrEnum):
    adjusted = "adjusted"
    no_change_needed = "no_change_needed"
    not_in_scope = "not_in_scope"


class ResponseMethod(StrEnum):
    in_person = "in_person"
    phone_call = "phone_call"
    sms = "sms"
    email = "email"
    community_meeting = "community_meeting"
    notice_board = "notice_board"
    letter = "letter"
    through_partner = "through_partner"
    other = "other"


class Sex(StrEnum):
    f = "f"
    m = "m"
    other = "other"


class AgeGroup(NamedMembers, StrEnum):
    child = "0-17"
    adult = "18-59"
    older = "60+"


class AssistanceService(StrEnum):
    medical = "medical"
    psychosocial = "psychosocial"
    legal = "legal"
    safety = "safety"
    material = "material"


enum_labels(
    Channel,
    {
        Channel.hotline: N_("Hotline"),
        Channel.help_desk: N_("Help desk"),
        Channel.suggestion_box: N_("Suggestion box"),
        Channel.community_meeting: N_("Community meeting"),
        Channel.sms: N_("SMS"),
        Channel.email: N_("Email"),
        Channel.in_person: N_("In person"),
        Channel.partner_referral: N_("Referred by a partner"),
    },
)
enum_labels(
    Category,
    {
        Category.information_request: N_("Information request"),
        Category.feedback: N_("Feedback"),
        Category.assistance_complaint: N_("Complaint about assistance"),
        Category.exclusion: N_("Exclusion"),
        Category.protection_concern: N_("Protection concern"),
        Category.fraud_or_corruption: N_("Fraud or corruption"),
        Category.staff_misconduct: N_("Staff misconduct"),
        Category.sea_allegation: N_("SEA allegation"),
        Category.other: N_("Other"),
    },
)
enum_labels(
    ComplaintStatus,
    {
        ComplaintStatus.received: N_("Received"),
        ComplaintStatus.referred: N_("Referred"),
        ComplaintStatus.accepted: N_("Accepted"),
        ComplaintStatus.rejected: N_("Rejected"),
        ComplaintStatus.responded: N_("Responded"),
        ComplaintStatus.closed: N_("Closed"),
    },
)
enum_labels(
    Outcome,
    {
        Outcome.adjusted: N_("Assistance adjusted"),
        Outcome.no_change_needed: N_("No change needed"),
        Outcome.not_in_scope: N_("Not in scope"),
    },
)
enum_labels(
    ResponseMethod,
    {
        ResponseMethod.in_person: N_("In person"),
        ResponseMethod.phone_call: N_("Phone call"),
        ResponseMethod.sms: N_("SMS"),
        ResponseMethod.email: N_("Email"),
        ResponseMethod.community_meeting: N_("Community meeting"),
        ResponseMethod.notice_board: N_("Notice board"),
        ResponseMethod.letter: N_("Letter"),
        ResponseMethod.through_partner: N_("Through a partner"),
        ResponseMethod.other: N_("Other"),
    },
)
enum_labels(
    Sex,
    {
        Sex.f: N_("Female"),
        Sex.m: N_("Male"),
        Sex.other: N_("Other"),
    },
)
enum_labels(
    AgeGroup,
    {
        AgeGroup.child: N_("Child (0-17)"),
        AgeGroup.adult: N_("Adult (18-59)"),
        AgeGroup.older: N_("Older person (60+)"),
    },
)
enum_labels(
    AssistanceService,
    {
        AssistanceService.medical: N_("Medical care"),
        AssistanceService.psychosocial: N_("Psychosocial support"),
        AssistanceService.legal: N_("Legal aid"),
        AssistanceService.safety: N_("Safety and protection"),
        AssistanceService.material: N_("Material assistance"),
    },
)


class Complaint(SQLModel, table=True):
    __tablename__ = "complaints"
    # The computed indicators count referred complaints by these columns alone (`sensitive`:
    # the confidential ones are left out for most readers): an index-only scan on PostgreSQL,
    # where the dashboard's cumulative counts would read every row.
    __table_args__ = (
        Index(
            "ix_complaints_first_referred_on_counts",
            "first_referred_on",
            "responded_on",
            "closed_on",
            "outcome",
            "category",
            "assistance_declined",
            "sensitive",
        ),
        # Sync: the list by change (`order=changed`, `updated_since`).
        Index("ix_complaints_updated_at_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=enum_type(Channel), index=True)
    category: Category = Field(sa_type=enum_type(Category), index=True)
    sensitive: bool = False
    received_on: date = Field(index=True)
    location_id: int | None = Field(default=None, foreign_key="locations.id", index=True)
    zone: str | None = Field(default=None, max_length=40, index=True)
    description: str = Field(sa_type=Text)
    organisation_concerned_id: int | None = Field(
        default=None, foreign_key="organisations.id", index=True
    )
    programme: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=20)
    anonymous: bool = True
    sex: Sex | None = Field(default=None, sa_type=enum_type(Sex))
    age_group: AgeGroup | None = Field(default=None, sa_type=enum_type(AgeGroup))
    consent_to_contact: bool = False
    consent_to_share_identity: bool = False
    identity_token: str | None = Field(default=None, sa_type=Text)
    identity_purged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    follow_up_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    # `<organisation id>:<Kobo _uuid>` (kobo.kobo_key): unique per organisation sending it.
    kobo_uuid: str | None = Field(default=None, max_length=100, unique=True)
    status: ComplaintStatus = Field(sa_type=enum_type(ComplaintStatus), index=True)
    recorded_by_organisation_id: int = Field(foreign_key="organisations.id", index=True)
    recorded_by: str = Field(max_length=254)
    referral_due_on: date = Field(index=True)
    referred_to_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    first_referred_on: date | None = None
    referred_on: date | None = None
    response_due_on: date | None = Field(default=None, index=True)
    accepted_on: date | None = None
    response: str | None = Field(default=None, sa_type=Text)
    response_method: ResponseMethod | None = Field(default=None, sa_type=enum_type(ResponseMethod))
    responded_on: date | None = Field(default=None, index=True)
    outcome: Outcome | None = Field(default=None, sa_type=enum_type(Outcome))
    outcome_note: str | None = Field(default=None, sa_type=Text)
    closed_on: date | None = Field(default=None, index=True)
    rejection_reason: str | None = Field(default=None, sa_type=Text)
    assistance_declined: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# Made confidential, or referred elsewhere, a complaint leaves those who read it.
changes.track(
    Complaint,
    "complaint",
    sensitive="sensitive",
    organisation_id="recorded_by_organisation_id",
    other_organisation_id="referred_to_id",
)


class ComplaintStep(SQLModel, table=True):
    """One step of a complaint's timeline; `on` is the day it happened, not the day it was typed."""

    __tablename__ = "complaint_steps"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True, ondelete="CASCADE")
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    on: date
    note: str | None = Field(default=None, sa_type=Text)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recorded_by: str = Field(max_length=254)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class VictimAssistance(SQLModel, table=True):
    """An SEA victim's referral to an assistance service: which kind, which provider, when."""

    __tablename__ = "complaint_victim_assistance"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True, ondelete="CASCADE")
    service: AssistanceService = Field(sa_type=enum_type(AssistanceService))
    provider: str | None = Field(default=None, max_length=200)
    referred_on: date


class ComplaintDeadline(SQLModel, table=True):
    """How long after receipt a complaint of this category and sensitivity must be referred."""

    __tablename__ = "complaint_deadlines"

    category: Category = Field(sa_type=enum_type(Category), primary_key=True)
    sensitive: bool = Field(primary_key=True)
    refer_within_hours: int
    updated_by: str = Field(max_length=254)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class KoboForm(SQLModel, table=True):
    """How the answers of one KoboToolbox form become a complaint (see kobo.py)."""

    __tablename__ = "kobo_forms"

    id: int | None = Field(default=None, primary_key=True)
    xform_id: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=200)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    fields: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    values: dict[str, dict[str, Any]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    defaults: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_by: str = Field(max_length=254)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
