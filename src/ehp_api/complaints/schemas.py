"""What callers send about complaints: the record, corrections and workflow steps."""

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
from ehp_api.locations.models import PCODE_PATTERN

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
                "an anonymous complainant has no name, phone or consents; "
                "set anonymous to false to record them"
            )
        if not self.anonymous and not identified:
            raise ValueError("a complainant who is not anonymous needs a name or a phone")
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
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


class TransitionIn(BaseModel):
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
