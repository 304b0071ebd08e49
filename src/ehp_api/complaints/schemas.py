"""What callers send and receive about complaints: the record, corrections, workflow steps,
and each audience's view."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from ehp_api.complaints.models import (
    AgeGroup,
    AssistanceService,
    Category,
    Channel,
    ComplaintStatus,
    Outcome,
    ResponseMethod,
    Sex,
)
from ehp_api.core.db import IsoDate
from ehp_api.core.i18n import tr
from ehp_api.locations.models import PCODE_PATTERN, Zone

LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
PHONE_PATTERN = r"^\+?[0-9 ().-]{6,30}$"


class ComplainantIn(BaseModel):
    """Anonymous unless said otherwise; an anonymous complainant has no name, phone or consents."""

    model_config = ConfigDict(extra="forbid")

    anonymous: StrictBool = Field(True, description="No identity is stored (the default).")
    name: str | None = Field(None, min_length=1, max_length=200, description="Encrypted at rest.")
    phone: str | None = Field(
        None, pattern=PHONE_PATTERN, description="Digits, spaces, `+ ( ) . -`; encrypted at rest."
    )
    sex: Sex | None = Field(None, description="`f`, `m` or `other`.")
    age_group: AgeGroup | None = Field(None, description="`0-17`, `18-59` or `60+`.")
    consent_to_contact: StrictBool = Field(False, description="May be contacted about the case.")
    consent_to_share_identity: StrictBool = Field(
        False,
        description="The organisation the case is referred to may see name and phone.",
    )

    @model_validator(mode="after")
    def _identity_matches_anonymity(self) -> "ComplainantIn":
        # Messages name fields, never values: they end up in problem documents.
        identified = self.name is not None or self.phone is not None
        if self.anonymous and (
            identified or self.consent_to_contact or self.consent_to_share_identity
        ):
            raise ValueError(
                tr(
                    "an anonymous complainant has no name, phone or consents; set "
                    "anonymous to false to record them",
                )
            )
        if not self.anonymous and not identified:
            raise ValueError(tr("a complainant who is not anonymous needs a name or a phone"))
        return self

    def identity(self) -> dict[str, str]:
        return {k: v for k, v in (("name", self.name), ("phone", self.phone)) if v is not None}


class AssistanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: AssistanceService = Field(description="Kind of service the victim was referred to.")
    provider: str | None = Field(None, max_length=200, description="Which service (provider).")
    referred_on: IsoDate = Field(description="When the victim was referred to it.")


_REQUIRED = ("channel", "category", "received_on", "description", "sensitive")


class _ComplaintFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location: str | None = Field(None, pattern=PCODE_PATTERN, description="P-code.")
    organisation_concerned: str | None = Field(
        None, max_length=32, description="Code of the organisation concerned, if known."
    )
    programme: str | None = Field(None, max_length=200, description="Programme concerned.")
    language: str | None = Field(
        None, pattern=LANGUAGE_PATTERN, description="ISO 639 code: `fr`, `bm`, `ff`, `son`..."
    )
    victim_assistance: list[AssistanceIn] | None = Field(
        None,
        max_length=20,
        description="SEA allegations only: the victim's referrals to assistance services.",
    )
    assistance_declined: StrictBool | None = Field(
        None, description="SEA allegations only: the victim declined assistance."
    )


class ComplaintCreate(_ComplaintFields):
    """A complaint or feedback as it was received."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "hotline",
                    "category": "assistance_complaint",
                    "received_on": "2021-06-10",
                    "location": "ML0506",
                    "description": "Distribution list in Sévaré left out three households.",
                    "organisation_concerned": "HCR",
                    "language": "ff",
                    "complainant": {"anonymous": True, "sex": "f", "age_group": "18-59"},
                }
            ]
        },
    )

    channel: Channel = Field(description="How it reached the receiving actor.")
    category: Category = Field(description="What it is about; `sea_allegation` is confidential.")
    sensitive: StrictBool = Field(
        False,
        description="Confidential (PSEA focal points only); always true for SEA.",
    )
    received_on: IsoDate = Field(description="When it was received.")
    description: str = Field(min_length=1, max_length=10_000, description="What was said.")
    complainant: ComplainantIn = Field(
        default_factory=ComplainantIn, description="Anonymous by default."
    )


class ComplaintUpdate(_ComplaintFields):
    """Corrections; `complainant`, when sent, replaces the whole complainant block."""

    channel: Channel | None = Field(None, description="How it reached the receiving actor.")
    category: Category | None = Field(None, description="What it is about.")
    sensitive: StrictBool | None = Field(None, description="Confidential; always true for SEA.")
    received_on: IsoDate | None = Field(None, description="When it was received.")
    description: str | None = Field(
        None, min_length=1, max_length=10_000, description="What was said."
    )
    complainant: ComplainantIn | None = Field(None, description="The whole complainant block.")

    @model_validator(mode="after")
    def _no_null_for_required(self) -> "ComplaintUpdate":
        nulls = [f for f in _REQUIRED if f in self.model_fields_set and getattr(self, f) is None]
        if nulls:
            raise ValueError(
                tr(
                    "{nulls} cannot be null",
                    nulls=", ".join(nulls),
                )
            )
        return self


class ComplaintTransitionIn(BaseModel):
    """A step of the workflow. `on` is the day it happened (a step recorded late keeps its date)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "to": "referred",
                    "on": "2021-06-11",
                    "organisation": "HCR",
                    "due_on": "2021-06-25",
                },
                {"to": "rejected", "on": "2021-06-12", "reason": "Not our programme area."},
                {
                    "to": "responded",
                    "on": "2021-06-20",
                    "response": "The three households were added to the June list.",
                    "response_method": "community_meeting",
                },
                {"to": "closed", "outcome": "adjusted", "adjustment": "Lists checked twice."},
            ]
        },
    )

    to: ComplaintStatus = Field(description="The target state.")
    on: IsoDate | None = Field(None, description="When it happened; default today.")
    note: str | None = Field(None, max_length=4000, description="Remark for the timeline.")
    organisation: str | None = Field(None, max_length=32, description="referred: to whom.")
    due_on: IsoDate | None = Field(None, description="referred: when the response is due.")
    reason: str | None = Field(
        None, max_length=4000, description="rejected, or closed `no_change_needed`: why."
    )
    response: str | None = Field(
        None, max_length=10_000, description="responded: the answer given."
    )
    response_method: ResponseMethod | None = Field(
        None, description="responded: how the answer was communicated back."
    )
    outcome: Outcome | None = Field(None, description="closed: `adjusted`, `no_change_needed`...")
    adjustment: str | None = Field(
        None, max_length=4000, description="closed `adjusted`: what changed."
    )


# What callers receive about complaints. Each audience has its own model: identity is a field
# of `ComplaintIdentified` only, and nobody else's model has it.


class ComplainantPublic(BaseModel):
    anonymous: bool = Field(description="No identity was given.")
    sex: Sex | None = Field(None, description="`f`, `m` or `other`.")
    age_group: AgeGroup | None = Field(None, description="`0-17`, `18-59` or `60+`.")
    consent_to_contact: bool = Field(description="May be contacted about the case.")
    consent_to_share_identity: bool = Field(description="Agreed to share identity on referral.")
    identity_on_file: bool = Field(description="A name or phone is stored (encrypted).")
    identity_purged_at: datetime | None = Field(
        None, description="When the identity was erased at the end of its retention period."
    )


class ComplainantIdentified(ComplainantPublic):
    # Required (null allowed): a record without them can never pass for this model.
    name: str | None = Field(description="The complainant's name.")
    phone: str | None = Field(description="The complainant's phone.")


class AssistancePublic(BaseModel):
    service: AssistanceService = Field(description="Kind of service.")
    provider: str | None = Field(None, description="Which service.")
    referred_on: date = Field(description="When the victim was referred to it.")


class ComplaintPublic(BaseModel):
    """A complaint as a role that may read it sees it: everything but the complainant's identity."""

    id: int = Field(description="Complaint id.")
    channel: Channel = Field(description="How it was received.")
    category: Category = Field(description="What it is about.")
    sensitive: bool = Field(description="Confidential: PSEA focal points only.")
    received_on: date = Field(description="When it was received.")
    location: str | None = Field(None, description="P-code.")
    zone: Zone | None = Field(None, description="`liptako_gourma` or `other`, from the location.")
    description: str = Field(description="What was said.")
    organisation_concerned: str | None = Field(None, description="Organisation concerned.")
    programme: str | None = Field(None, description="Programme concerned.")
    language: str | None = Field(None, description="Language of the complainant.")
    complainant: ComplainantPublic = Field(description="Who complained, without identity.")
    status: ComplaintStatus = Field(description="Where it is in the workflow.")
    recorded_by_organisation: str = Field(description="Organisation that received it.")
    recorded_by: str = Field(description="User or key that recorded it.")
    referral_due_on: date = Field(description="Referral deadline, from the deadline table.")
    referred_to: str | None = Field(None, description="Organisation it is referred to now.")
    first_referred_on: date | None = Field(None, description="Its first referral.")
    referred_on: date | None = Field(None, description="Its current referral.")
    response_due_on: date | None = Field(None, description="When the response is due.")
    overdue: bool = Field(description="A referral or response is late.")
    accepted_on: date | None = Field(None, description="When the referral was accepted.")
    response: str | None = Field(None, description="The answer given.")
    response_method: ResponseMethod | None = Field(None, description="How it was given.")
    responded_on: date | None = Field(None, description="When it was given.")
    outcome: Outcome | None = Field(None, description="How it was closed.")
    outcome_note: str | None = Field(None, description="What changed, or why nothing did.")
    closed_on: date | None = Field(None, description="When it was closed.")
    rejection_reason: str | None = Field(None, description="Why the last referral was refused.")
    victim_assistance: list[AssistancePublic] | None = Field(
        None, description="SEA allegations: the victim's referrals to assistance services."
    )
    assistance_declined: bool | None = Field(
        None, description="SEA allegations: the victim declined assistance."
    )
    created_at: datetime = Field(description="When it was recorded (UTC).")
    updated_at: datetime = Field(description="Last change (UTC).")


class ComplaintIdentified(ComplaintPublic):
    """A complaint with its complainant's identity: PSEA focal points, and the organisation it is
    referred to when the complainant agreed to share it. Each such read is audited."""

    complainant: ComplainantIdentified = Field(description="Who complained, with identity.")


class ComplaintReceipt(BaseModel):
    """What the recorder gets back: enough to follow the case, nothing of its content."""

    id: int = Field(description="Complaint id.")
    status: ComplaintStatus = Field(description="`received`.")
    confidential: bool = Field(description="Only PSEA focal points can read it from now on.")
    referral_due_on: date = Field(description="Refer it by this day.")
    follow_up_code: str | None = Field(
        None, description="Give it to the complainant: shown once, stored only as a hash."
    )
    outcome: Literal["created", "unchanged"] = Field(
        "created", description="`unchanged`: this submission was already received."
    )


class StepPublic(BaseModel):
    from_status: ComplaintStatus | None = Field(None, description="State before the step.")
    to_status: ComplaintStatus = Field(description="State after it.")
    on: date = Field(description="When it happened.")
    note: str | None = Field(None, description="Remark.")
    details: dict[str, Any] = Field(description="The step's fields (organisation, due_on...).")
    recorded_by: str = Field(description="Who recorded it.")
    recorded_at: datetime = Field(description="When it was recorded (UTC).")


PublicStatus = Literal["received", "in_progress", "responded", "closed"]


class FollowUpPublic(BaseModel):
    """What a follow-up code tells its holder: where the case is, and the answer once given."""

    status: PublicStatus = Field(
        description="`received`, `in_progress` (with an organisation), `responded`, `closed`."
    )
    response: str | None = Field(None, description="The answer, once given.")
