"""Webhook subscriptions and the deliveries of events, to webhooks and by e-mail."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.i18n import N_, enum_labels
from ehp_api.core.permissions import Role
from ehp_api.core.principal import PrincipalKind

# A delivery's channel: internal, never in an answer (the log lists webhooks' deliveries).
WEBHOOK = "webhook"
EMAIL = "email"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


enum_labels(
    DeliveryStatus,
    {
        DeliveryStatus.pending: N_("Pending"),
        DeliveryStatus.delivered: N_("Delivered"),
        DeliveryStatus.failed: N_("Failed"),
    },
)


class WebhookSubscription(SQLModel, table=True):
    """An organisation's endpoint. It receives what its owner (the user or key that made it,
    while still active with the same role) could read: the role is part of the subscription."""

    __tablename__ = "webhook_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    role: Role = Field(sa_type=enum_type(Role))
    owner_kind: PrincipalKind = Field(sa_type=enum_type(PrincipalKind))
    owner_id: int
    url: str = Field(max_length=2000)
    # The signing key must be read to sign: kept sealed with EHP_ENCRYPTION_KEY
    # (`notifications.secrets`), opened by the worker alone, never shown again after creation.
    secret_token: str = Field(max_length=500)
    event_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = True
    description: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Delivery(SQLModel, table=True):
    """One event to one webhook or one address. A worker claims it by moving `next_attempt_at`
    past the lease and stamping `claim`; a worker that dies leaves it due again when the lease
    ends, so nothing is lost (at least once; the receiver dedupes on the event's id)."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", "recipient"),
        Index("ix_event_deliveries_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outbox_events.id", index=True)
    channel: str = Field(max_length=10)  # WEBHOOK or EMAIL
    subscription_id: int | None = Field(
        default=None, foreign_key="webhook_subscriptions.id", index=True, ondelete="CASCADE"
    )
    recipient: str = Field(max_length=2000)  # the URL, or the address
    view: str = Field(max_length=20)  # events.policy.View
    status: DeliveryStatus = Field(sa_type=enum_type(DeliveryStatus))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    claim: str | None = Field(default=None, max_length=40)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
