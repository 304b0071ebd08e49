"""Webhook subscriptions: made, read, changed and removed by their organisation's principals of
the same role (`policy`); their delivery log, and replays. Every write is audited (the secret
never in a diff; a PSEA focal point's subscription as a confidential event)."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.core.config import Settings
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Forbidden, InvalidInput, InvalidParam, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.permissions import Role
from ehp_api.core.principal import Principal
from ehp_api.core.sealing import Keyring
from ehp_api.events.models import OutboxEvent
from ehp_api.notifications import destinations, policy, secrets, webhooks
from ehp_api.notifications.models import Delivery, DeliveryStatus, WebhookSubscription
from ehp_api.notifications.schemas import WebhookCreate, WebhookUpdate

_TRACKED = ("url", "event_types", "active", "description")


def get(session: Session, principal: Principal, webhook_id: int) -> WebhookSubscription:
    found = session.exec(
        select(WebhookSubscription).where(
            WebhookSubscription.id == webhook_id, policy.visible_to(principal)
        )
    ).first()
    if found is None:
        raise NotFound(tr("No webhook subscription {id}.", id=webhook_id))
    return found


def list_(
    session: Session, principal: Principal, page: PageParams
) -> tuple[list[WebhookSubscription], str | None]:
    stmt = select(WebhookSubscription).where(policy.visible_to(principal))
    return paginate(session, stmt, WebhookSubscription.id, page)


def create(
    session: Session, principal: Principal, data: WebhookCreate, settings: Settings
) -> tuple[WebhookSubscription, str | None]:
    """A new subscription; returns it with its secret when the service made it (the secret is
    stored sealed, `secrets`)."""
    if principal.organisation_id is None or principal.role is None or principal.id is None:
        raise Forbidden(tr("Webhooks are subscribed by an organisation's user or key."))
    _check_destination(str(data.url), settings)
    made = None
    if data.secret is None:
        made = webhooks.new_secret()
    elif problem := webhooks.secret_problem(data.secret):
        reason = tr(problem)
        raise InvalidInput(
            f"secret: {reason}",
            errors=[InvalidParam(location="body", field="secret", reason=reason, code="secret")],
        )
    subscription = WebhookSubscription(
        organisation_id=principal.organisation_id,
        role=principal.role,
        owner_kind=principal.kind,
        owner_id=principal.id,
        url=str(data.url),
        secret_token=secrets.seal(Keyring(settings.encryption_key), data.secret or made or ""),
        event_types=sorted(set(data.event_types)),
        description=data.description,
        created_by=principal.name,
    )
    session.add(subscription)
    session.flush()
    _audit(session, principal, "webhook.create", subscription, None)
    return subscription, made


def _check_destination(url: str, settings: Settings) -> None:
    """422 naming `url` when the worker may not send there (`destinations`)."""
    refusal = destinations.subscription_refusal(url, settings)
    if refusal is not None:
        reason = refusal.reason()
        raise InvalidInput(
            f"url: {reason}",
            errors=[InvalidParam(location="body", field="url", reason=reason, code=refusal.code)],
        )


def update(
    session: Session,
    principal: Principal,
    webhook_id: int,
    data: WebhookUpdate,
    settings: Settings,
) -> WebhookSubscription:
    subscription = get(session, principal, webhook_id)
    before = _snapshot(subscription)
    changes = data.model_dump(exclude_unset=True)
    if "url" in changes:
        _check_destination(str(data.url), settings)
        subscription.url = str(data.url)
    if "event_types" in changes:
        subscription.event_types = sorted(set(data.event_types))
    for name in ("active", "description"):
        if name in changes:
            setattr(subscription, name, changes[name])
    subscription.updated_at = utcnow()
    session.add(subscription)
    session.flush()
    _audit(session, principal, "webhook.update", subscription, before)
    return subscription


def delete(session: Session, principal: Principal, webhook_id: int) -> None:
    """Remove a subscription and its delivery log; nothing more is sent to it."""
    subscription = get(session, principal, webhook_id)
    before = _snapshot(subscription)
    session.execute(sql_delete(Delivery).where(Delivery.subscription_id == subscription.id))
    session.delete(subscription)
    session.flush()
    _audit(session, principal, "webhook.delete", subscription, before, gone=True)


def deliveries(
    session: Session, principal: Principal, webhook_id: int, page: PageParams
) -> tuple[list[tuple[Delivery, OutboxEvent]], str | None]:
    """The subscription's deliveries, newest first, with their events."""
    subscription = get(session, principal, webhook_id)
    stmt = select(Delivery).where(Delivery.subscription_id == subscription.id)
    rows, cursor = paginate(session, stmt, Delivery.id, page, newest_first=True)
    events = {
        e.id: e
        for e in session.exec(
            select(OutboxEvent).where(OutboxEvent.id.in_({d.event_id for d in rows}))
        )
    }
    return [(d, events[d.event_id]) for d in rows], cursor


def replay(
    session: Session, principal: Principal, webhook_id: int, delivery_id: int
) -> tuple[Delivery, OutboxEvent]:
    """Send a delivery again, whatever became of it, with the event's same id: due at once,
    with a fresh count of attempts."""
    subscription = get(session, principal, webhook_id)
    delivery = session.exec(
        select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.subscription_id == subscription.id)
        .with_for_update()
    ).first()
    if delivery is None:
        raise NotFound(
            tr(
                "No delivery {delivery} of webhook subscription {id}.",
                delivery=delivery_id,
                id=webhook_id,
            )
        )
    delivery.status, delivery.attempts = DeliveryStatus.pending, 0
    delivery.next_attempt_at, delivery.claim = utcnow(), None
    delivery.recipient = subscription.url  # where it is now, if it moved
    session.add(delivery)
    session.flush()
    audit.record(
        session,
        principal,
        "webhook.replay",
        "webhook",
        subscription.id,
        {"delivery": {"old": None, "new": delivery.id}},
        confidential=_confidential(subscription),
    )
    event = session.get(OutboxEvent, delivery.event_id)
    assert event is not None  # a delivery's event is never deleted while it is
    return delivery, event


def _snapshot(subscription: WebhookSubscription) -> dict[str, Any]:
    return {name: getattr(subscription, name) for name in _TRACKED}


def _confidential(subscription: WebhookSubscription) -> bool:
    # What a PSEA focal point subscribes to is itself PSEA business.
    return subscription.role == Role.psea_focal_point


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    subscription: WebhookSubscription,
    before: dict[str, Any] | None,
    *,
    gone: bool = False,
) -> None:
    after = None if gone else _snapshot(subscription)
    audit.record(
        session,
        principal,
        action,
        "webhook",
        subscription.id,
        audit.diff(before, after),
        confidential=_confidential(subscription),
    )


def purge_delivered(session: Session, before: datetime) -> tuple[int, int]:
    """Delete the deliveries delivered before `before`, then the events dispatched before it
    that have no delivery left; in the caller's transaction; how many of each. Failed deliveries
    stay (their organisation may replay them), and so do their events."""
    deliveries = session.execute(
        sql_delete(Delivery).where(
            Delivery.status == DeliveryStatus.delivered, Delivery.delivered_at < before
        )
    )
    left = select(Delivery.id).where(Delivery.event_id == OutboxEvent.id)
    events = session.execute(
        sql_delete(OutboxEvent).where(OutboxEvent.dispatched_at < before, ~left.exists())
    )
    return int(deliveries.rowcount), int(events.rowcount)  # type: ignore[attr-defined]


def count_by_status(session: Session) -> dict[str, int]:
    """Deliveries in each status (every status, 0 included): an operator's metric."""
    rows = session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {status.value: 0 for status in DeliveryStatus} | {s.value: n for s, n in rows}


def count_retrying(session: Session) -> int:
    """Deliveries still pending after at least one failed attempt."""
    stmt = select(func.count()).select_from(Delivery)
    return session.exec(
        stmt.where(Delivery.status == DeliveryStatus.pending, Delivery.attempts > 0)
    ).one()


def lag_seconds(session: Session) -> dict[str, int]:
    """Age of the oldest event not yet dispatched (`dispatch`: the worker is behind or down) and
    of the oldest delivery not yet delivered (`delivery`: a receiver failing, or the worker); 0
    when there is none."""
    now = utcnow()
    oldest_event = session.exec(
        select(func.min(OutboxEvent.occurred_at)).where(OutboxEvent.dispatched_at.is_(None))
    ).one()
    oldest_delivery = session.exec(
        select(func.min(Delivery.created_at)).where(Delivery.status == DeliveryStatus.pending)
    ).one()
    return {
        stage: max(int((now - oldest).total_seconds()), 0) if oldest is not None else 0
        for stage, oldest in (("dispatch", oldest_event), ("delivery", oldest_delivery))
    }
