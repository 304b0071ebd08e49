"""Request and response shapes of webhook subscriptions and their delivery log."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StrictBool

from ehp_api.core.permissions import Role
from ehp_api.events.models import EventType
from ehp_api.notifications.models import DeliveryStatus

KEY_PATTERN = r"^whsec_[A-Za-z0-9+/]+={0,2}$"
EventTypes = Annotated[
    list[EventType],
    Field(
        min_length=1,
        max_length=len(EventType),
        description="The event types to receive (docs/api.md, Webhooks, lists what each carries).",
        examples=[["complaint.referred"]],
    ),
]


class _Strict(BaseModel):
    # A body naming a field the caller does not own (organisation, role...) is refused.
    model_config = ConfigDict(extra="forbid")


class WebhookCreate(_Strict):
    url: HttpUrl = Field(
        description="Where deliveries are POSTed: an https URL whose host is, and resolves to, "
        "public addresses only (a private, loopback or link-local one is refused, 422), unless "
        "the deployment allows receivers on its own network.",
        examples=["https://sync.hcr.example/ehp-events"],
    )
    event_types: EventTypes
    secret: str | None = Field(
        None,
        max_length=200,
        pattern=KEY_PATTERN,
        description="Signing key, Standard Webhooks format: `whsec_` + base64 of 24 to 64 "
        "random bytes. Omit it and one is made for you, shown once in the answer.",
    )
    description: str | None = Field(None, max_length=200, description="What it is for.")


class WebhookUpdate(_Strict):
    """Only the fields sent change; none of them takes `null` (a 422 naming the field)."""

    url: HttpUrl = Field(None, description="New endpoint (the same rules as when subscribing).")  # type: ignore[assignment]  # absent, never null
    event_types: list[EventType] = Field(
        None,  # type: ignore[arg-type]  # absent, never null
        min_length=1,
        max_length=len(EventType),
        description="New event types.",
    )
    active: StrictBool = Field(None, description="False: nothing more is delivered to it.")  # type: ignore[assignment]  # absent, never null
    description: str = Field(None, max_length=200, description="What it is for.")  # type: ignore[assignment]  # absent, never null


class WebhookPublic(BaseModel):
    id: int = Field(description="Subscription id.")
    organisation: str = Field(description="Code of the subscribing organisation.")
    role: Role = Field(
        description="The role of whoever made it: the subscription receives what that role may "
        "read, and only that role's principals of the organisation see and change it."
    )
    url: str = Field(description="Where deliveries are POSTed.")
    event_types: list[EventType] = Field(description="The event types it receives.")
    active: bool = Field(description="False: nothing is delivered to it.")
    description: str | None = Field(description="What it is for.")
    created_by: str = Field(description="Who made it.")
    created_at: datetime = Field(description="When it was made (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")


class WebhookCreated(WebhookPublic):
    secret: str | None = Field(
        description="The signing key, when the service made it: shown this once, never again."
    )


class WebhookDelivery(BaseModel):
    id: int = Field(description="Delivery id (replay it with .../replay).")
    event_id: str = Field(description="The event's id, sent as `webhook-id` on every attempt.")
    event_type: EventType = Field(description="The event's type.")
    subject: str = Field(description="The record the event is about, e.g. `complaint/123`.")
    status: DeliveryStatus = Field(
        description="`pending` (to send, or to retry), `delivered` (a 2xx), `failed` (out of "
        "attempts; replay it)."
    )
    attempts: int = Field(description="Attempts so far.")
    last_attempt_at: datetime | None = Field(description="When it was last tried (UTC).")
    last_status_code: int | None = Field(description="The endpoint's last HTTP status.")
    last_error: str | None = Field(description="Why the last attempt failed.")
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next.")
    delivered_at: datetime | None = Field(description="When it was delivered (UTC).")
    occurred_at: datetime = Field(description="When the event happened (UTC).")
