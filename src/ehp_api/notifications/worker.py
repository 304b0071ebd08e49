"""The worker process (`ehp-api worker`): dispatches new events, then delivers what is due,
each in short transactions of its own, and sleeps when there is nothing to do.

Claims, on PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks due rows no other worker is
claiming, and the claim moves `next_attempt_at` past a lease (`EHP_WORKER_LEASE_SECONDS`) and
stamps it, in one short transaction; the sending happens outside any transaction. A worker
killed while sending leaves the row due again once the lease ends: another worker (or the same,
restarted) sends it again with the same `webhook-id`. A result is recorded only if the claim is
still the worker's own. On SQLite the same statements run without the lock clause (SQLite has
none; writers take turns), for one worker.

Why not a queue library: the outbox must be written in the transaction of the change, so the
queue has to be a table of this database; the PostgreSQL queue libraries (procrastinate,
pgqueuer) serve PostgreSQL only, where this service also runs on SQLite, and the claim above is
two statements.

Scheduled jobs (issue #20) hook in through `jobs`: callables run once per loop turn after
delivery, each given the engine and the settings, in the order given.
"""

import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from ehp_api.core.config import Settings
from ehp_api.core.db import deferred, utcnow
from ehp_api.events.models import OutboxEvent
from ehp_api.notifications import dispatch, mail, webhooks
from ehp_api.notifications.models import WEBHOOK, Delivery, DeliveryStatus, WebhookSubscription

log = logging.getLogger("ehp_api.worker")

Job = Callable[[Engine, Settings], None]
BATCH = 20
MAX_BACKOFF = timedelta(hours=6)


def run(
    engine: Engine, settings: Settings, stop: threading.Event, jobs: Sequence[Job] = ()
) -> None:
    """Work until `stop` is set."""
    with httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
        while not stop.is_set():
            busy = run_once(engine, settings, client)
            for job in jobs:
                job(engine, settings)
            if not busy:
                stop.wait(settings.worker_poll_seconds)


def run_once(engine: Engine, settings: Settings, client: httpx.Client) -> int:
    """One turn: dispatch new events, then send one batch of due deliveries; what was done."""
    with Session(engine) as session, session.begin():
        dispatched = dispatch.dispatch(session, mail_enabled=bool(settings.smtp_host))
    claim, claimed = _claim(engine, settings)
    for delivery_id in claimed:
        _deliver(engine, settings, client, delivery_id, claim)
    return dispatched + len(claimed)


def _claim(engine: Engine, settings: Settings) -> tuple[str, list[int]]:
    claim = secrets.token_hex(8)
    now = utcnow()
    with Session(engine) as session, session.begin():
        ids = list(
            session.exec(
                select(Delivery.id)
                .where(Delivery.status == DeliveryStatus.pending, Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
        )
        if ids:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(
                    claim=claim,
                    attempts=Delivery.attempts + 1,
                    last_attempt_at=now,
                    next_attempt_at=now + timedelta(seconds=settings.worker_lease_seconds),
                )
            )
    return claim, [i for i in ids if i is not None]


def _deliver(
    engine: Engine, settings: Settings, client: httpx.Client, delivery_id: int, claim: str
) -> None:
    # Read, then closed: nothing is held while sending (the attributes stay loaded).
    with Session(deferred(engine)) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return
        event = session.get(OutboxEvent, delivery.event_id)
        secret = None
        if delivery.subscription_id is not None:
            subscription = session.get(WebhookSubscription, delivery.subscription_id)
            secret = subscription.secret if subscription else None
    if event is None:
        return
    code, error = _send(settings, client, delivery, event, secret)
    _record(engine, settings, delivery, claim, code, error)


def _send(
    settings: Settings,
    client: httpx.Client,
    delivery: Delivery,
    event: OutboxEvent,
    secret: str | None,
) -> tuple[int | None, str | None]:
    if delivery.channel == WEBHOOK:
        if secret is None:
            return None, "the subscription is gone"
        return webhooks.send(client, delivery.recipient, secret, event, delivery.view, utcnow())
    if not settings.smtp_host:
        return None, "no SMTP server is set (EHP_SMTP_HOST)"
    try:
        mail.send(settings, mail.compose(settings, event, delivery.recipient))
    except (OSError, mail.smtplib.SMTPException) as failure:
        return None, f"{type(failure).__name__}: {failure}"[:500]
    return None, None


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait before the next attempt: the first retry after EHP_WEBHOOK_RETRY_SECONDS,
    doubling each time, at most six hours."""
    wait = timedelta(seconds=settings.webhook_retry_seconds * 2 ** max(attempts - 1, 0))
    return min(wait, MAX_BACKOFF)


def _record(
    engine: Engine,
    settings: Settings,
    delivery: Delivery,
    claim: str,
    code: int | None,
    error: str | None,
) -> None:
    now = utcnow()
    values: dict[str, object] = {"claim": None, "last_status_code": code, "last_error": error}
    if error is None:
        values |= {"status": DeliveryStatus.delivered, "delivered_at": now}
    elif delivery.attempts >= settings.webhook_max_attempts:
        values |= {"status": DeliveryStatus.failed}
    else:
        values |= {"next_attempt_at": now + backoff(settings, delivery.attempts)}
    if error is not None:
        log.warning(
            "delivery %s of event %s failed (attempt %s): %s",
            delivery.id, delivery.event_id, delivery.attempts, error,
        )  # fmt: skip
    with Session(engine) as session, session.begin():
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.claim == claim)
            .values(values)
        )
