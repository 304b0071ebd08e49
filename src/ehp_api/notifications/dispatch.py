"""Fan-out: each new event of the outbox becomes one delivery per subscription and per address
that may know of it, in one transaction (a worker that dies midway leaves the event undispatched).

Who may know of it is the event's own audience (`events.policy`) read against the receiver's
permissions now: a subscription's role (while its owner is still active with that role), a
user's role for e-mail. Several workers claim events with `FOR UPDATE SKIP LOCKED`."""

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from ehp_api.access.models import ApiKey, User
from ehp_api.core.db import utcnow
from ehp_api.core.permissions import permissions_of
from ehp_api.core.principal import PrincipalKind
from ehp_api.events.models import OutboxEvent
from ehp_api.events.policy import view_for
from ehp_api.notifications.models import (
    EMAIL,
    WEBHOOK,
    Delivery,
    DeliveryStatus,
    WebhookSubscription,
)

BATCH = 100


def dispatch(session: Session, mail_enabled: bool) -> int:
    """Make the deliveries of up to BATCH undispatched events; how many events were dispatched."""
    events = session.exec(
        select(OutboxEvent)
        .where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0
    now = utcnow()
    subscriptions = live_subscriptions(session, now)
    users = list(session.exec(select(User).where(User.is_active.is_(True)))) if mail_enabled else []
    for event in events:
        session.add_all(_webhook_deliveries(event, subscriptions, now))
        session.add_all(_mail_deliveries(event, users, now))
        event.dispatched_at = now
        session.add(event)
    session.flush()
    return len(events)


def live_subscriptions(session: Session, now: datetime) -> list[WebhookSubscription]:
    """Active subscriptions whose owner is still active, of the same organisation and role."""
    users = select(User.id).where(
        User.id == WebhookSubscription.owner_id,
        User.is_active.is_(True),
        User.role == WebhookSubscription.role,
        User.organisation_id == WebhookSubscription.organisation_id,
    )
    keys = select(ApiKey.id).where(
        ApiKey.id == WebhookSubscription.owner_id,
        ApiKey.revoked_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        ApiKey.role == WebhookSubscription.role,
        ApiKey.organisation_id == WebhookSubscription.organisation_id,
    )
    return list(
        session.exec(
            select(WebhookSubscription).where(
                WebhookSubscription.active.is_(True),
                or_(
                    (WebhookSubscription.owner_kind == PrincipalKind.user) & users.exists(),
                    (WebhookSubscription.owner_kind == PrincipalKind.api_key) & keys.exists(),
                ),
            )
        ).all()
    )


def _webhook_deliveries(
    event: OutboxEvent, subscriptions: list[WebhookSubscription], now: datetime
) -> list[Delivery]:
    deliveries = []
    for subscription in subscriptions:
        if event.type not in subscription.event_types:
            continue
        view = view_for(
            event.audience, permissions_of(subscription.role), subscription.organisation_id
        )
        if view is None or (view == "restricted" and event.restricted is None):
            continue
        deliveries.append(_delivery(event, WEBHOOK, subscription.url, view, now, subscription.id))
    return deliveries


def _mail_deliveries(event: OutboxEvent, users: list[User], now: datetime) -> list[Delivery]:
    if not event.mail_audience:
        return []
    return [
        _delivery(event, EMAIL, user.email, view, now)
        for user in users
        if (view := view_for(event.mail_audience, permissions_of(user.role), user.organisation_id))
    ]


def _delivery(
    event: OutboxEvent,
    channel: str,
    recipient: str,
    view: str,
    now: datetime,
    subscription_id: int | None = None,
) -> Delivery:
    return Delivery(
        event_id=event.id or 0,
        channel=channel,
        subscription_id=subscription_id,
        recipient=recipient,
        view=view,
        status=DeliveryStatus.pending,
        next_attempt_at=now,
    )
