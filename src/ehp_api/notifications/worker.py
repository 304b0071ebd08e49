"""The worker process (`ehp-api worker`): dispatches new events, then delivers what is due,
each in short transactions of its own, and sleeps when there is nothing to do.

Claims, on PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks due rows no other worker is
claiming, and the claim moves `next_attempt_at` past a lease (`EHP_WORKER_LEASE_SECONDS`) and
stamps it, in one short transaction; the sending happens outside any transaction. A worker
killed while sending leaves the row due again once the lease ends: another worker (or the same,
restarted) sends it again with the same `webhook-id`. A result is recorded only if the claim is
still the worker's own. On SQLite the same statements run without the lock clause (SQLite has
none; writers take turns), for one worker.

A webhook is sent only where `destinations` allows it now (resolved again, to defeat DNS
rebinding; a refusal is final, logged, never retried), signed with its subscription's secret
opened from its sealed token (`secrets`).

Why not a queue library: the outbox must be written in the transaction of the change, so the
queue has to be a table of this database; the PostgreSQL queue libraries (procrastinate,
pgqueuer) serve PostgreSQL only, where this service also runs on SQLite, and the claim above is
two statements.

Scheduled jobs hook in through `jobs`: callables run once per loop turn after delivery, each
given the engine and the settings, in the order given (`ehp-api worker` gives
`ehp_api.jobs.service.Scheduler`, which runs the jobs that are due and that it claims).
"""

import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import NamedTuple

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from ehp_api.core.config import Settings
from ehp_api.core.db import deferred, utcnow
from ehp_api.core.sealing import Keyring
from ehp_api.events.models import OutboxEvent
from ehp_api.notifications import destinations, dispatch, mail, webhooks
from ehp_api.notifications import secrets as sealed_secrets
from ehp_api.notifications.models import WEBHOOK, Delivery, DeliveryStatus, WebhookSubscription

log = logging.getLogger("ehp_api.worker")

Job = Callable[[Engine, Settings], None]
BATCH = 20
MAX_BACKOFF = timedelta(hours=6)


class Attempt(NamedTuple):
    """What became of one attempt: the HTTP status (webhooks), the error (None: delivered), and
    whether to give up at once (a destination refused: trying again would change nothing)."""

    code: int | None
    error: str | None
    final: bool = False


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
        token = None
        if delivery.subscription_id is not None:
            subscription = session.get(WebhookSubscription, delivery.subscription_id)
            token = subscription.secret_token if subscription else None
    if event is None:
        return
    attempt = _send(settings, client, delivery, event, token)
    _record(engine, settings, delivery, claim, attempt)


def _send(
    settings: Settings,
    client: httpx.Client,
    delivery: Delivery,
    event: OutboxEvent,
    token: str | None,
) -> Attempt:
    if delivery.channel == WEBHOOK:
        return _post(settings, client, delivery, event, token)
    if not settings.smtp_host:
        return Attempt(None, "no SMTP server is set (EHP_SMTP_HOST)")
    try:
        mail.send(settings, mail.compose(settings, event, delivery.recipient))
    except (OSError, mail.smtplib.SMTPException) as failure:
        return Attempt(None, f"{type(failure).__name__}: {failure}"[:500])
    return Attempt(None, None)


def _post(
    settings: Settings,
    client: httpx.Client,
    delivery: Delivery,
    event: OutboxEvent,
    token: str | None,
) -> Attempt:
    """A webhook delivery: its URL judged again now, where its host resolves now (a name that
    resolved to a public address when subscribed may not any more), and sent there."""
    if token is None:
        return Attempt(None, "the subscription is gone")
    secret = sealed_secrets.open_(Keyring(settings.encryption_key), token)
    if secret is None:
        return Attempt(None, "the subscription's secret opens with no key of EHP_ENCRYPTION_KEY")
    where = destinations.destinations(delivery.recipient, settings)
    if where is None:
        return Attempt(None, "the URL's host does not resolve")
    if isinstance(where, destinations.Refusal):
        return Attempt(None, f"refused, not retried: {where.reason()}", final=True)
    code, error = webhooks.send(client, where, secret, event, delivery.view, utcnow())
    return Attempt(code, error)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait before the next attempt: the first retry after EHP_WEBHOOK_RETRY_SECONDS,
    doubling each time, at most six hours."""
    wait = timedelta(seconds=settings.webhook_retry_seconds * 2 ** max(attempts - 1, 0))
    return min(wait, MAX_BACKOFF)


def _record(
    engine: Engine, settings: Settings, delivery: Delivery, claim: str, attempt: Attempt
) -> None:
    now = utcnow()
    code, error = attempt.code, attempt.error
    values: dict[str, object] = {"claim": None, "last_status_code": code, "last_error": error}
    if error is None:
        values |= {"status": DeliveryStatus.delivered, "delivered_at": now}
    elif attempt.final or delivery.attempts >= settings.webhook_max_attempts:
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
