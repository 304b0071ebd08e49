"""The outbox: one row per event, written in the same transaction as the change it announces."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime, utcnow
from ehp_api.core.enums import NamedMembers
from ehp_api.core.i18n import N_, enum_labels


class EventType(NamedMembers, StrEnum):
    complaint_created = "complaint.created"
    complaint_referred = "complaint.referred"
    reading_rejected = "reading.rejected"
    alert_escalated = "alert.escalated"
    alert_escalation_recommended = "alert.escalation_recommended"


enum_labels(
    EventType,
    {
        EventType.complaint_created: N_("SEA allegation recorded"),
        EventType.complaint_referred: N_("Complaint referred"),
        EventType.reading_rejected: N_("Reading rejected"),
        EventType.alert_escalated: N_("Alert escalated"),
        EventType.alert_escalation_recommended: N_("Alert recommended for escalation"),
    },
)


class OutboxEvent(SQLModel, table=True):
    """An event awaiting (or past) its fan-out to webhook subscriptions and mail recipients."""

    __tablename__ = "outbox_events"

    id: int | None = Field(default=None, primary_key=True)
    # `webhook-id` of every delivery of the event, retries and replays included: receivers
    # deduplicate on it (Standard Webhooks). Random, so that it counts nothing.
    public_id: str = Field(max_length=40, unique=True)
    # A plain string, not a checked enum: a new event type needs no migration.
    type: str = Field(max_length=60)
    subject: str = Field(max_length=80)
    # What a receiver with the full view gets, and what one with the restricted view gets
    # (null: the event has no restricted view, such a receiver gets nothing).
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    restricted: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # `policy.Audience` rules, as JSON: who may get the event by webhook, and by e-mail.
    audience: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    mail_audience: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Set once the worker has made the event's deliveries; the worker claims those still null.
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
