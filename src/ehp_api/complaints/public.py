"""What callers receive about complaints. Each audience has its own model: identity is a field
of `ComplaintIdentified` only, and nobody else's model has it."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

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
    zone: str | None = Field(None, description="`liptako_gourma` or `other`, from the location.")
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
