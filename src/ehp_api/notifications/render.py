"""Subscriptions and deliveries as answered: the organisation by its code, in one query."""

from sqlmodel import Session, select

from ehp_api.events.models import EventType, OutboxEvent
from ehp_api.notifications.models import Delivery, DeliveryStatus, WebhookSubscription
from ehp_api.notifications.schemas import WebhookCreated, WebhookDelivery, WebhookPublic
from ehp_api.organisations.models import Organisation


def subscriptions(session: Session, rows: list[WebhookSubscription]) -> list[WebhookPublic]:
    ids = {row.organisation_id for row in rows}
    codes = dict(
        session.exec(
            select(Organisation.id, Organisation.code).where(Organisation.id.in_(ids))
        ).all()
    )
    return [
        WebhookPublic(
            **row.model_dump(include=set(WebhookPublic.model_fields) - {"organisation"}),
            organisation=codes[row.organisation_id],
        )
        for row in rows
    ]


def subscription(session: Session, row: WebhookSubscription) -> WebhookPublic:
    return subscriptions(session, [row])[0]


def created(session: Session, row: WebhookSubscription, secret: str | None) -> WebhookCreated:
    return WebhookCreated(**subscription(session, row).model_dump(), secret=secret)


def delivery(row: Delivery, event: OutboxEvent) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id or 0,
        event_id=event.public_id,
        event_type=EventType(event.type),
        subject=event.subject,
        status=row.status,
        attempts=row.attempts,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at if row.status == DeliveryStatus.pending else None,
        delivered_at=row.delivered_at,
        occurred_at=event.occurred_at,
    )
