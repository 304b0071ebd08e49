"""/webhooks: an organisation's subscriptions to events, their delivery log and replays."""

from typing import Annotated

from fastapi import APIRouter, Request, Response

from ehp_api.core import row_locks
from ehp_api.core.db import RecordId, SessionDep
from ehp_api.core.errors import problem_responses
from ehp_api.core.pagination import Page, PageDep
from ehp_api.notifications import render, service
from ehp_api.notifications.deps import AppSettings, Manage
from ehp_api.notifications.models import WebhookSubscription
from ehp_api.notifications.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
    WebhookPublic,
    WebhookUpdate,
)
from ehp_api.web.idempotency import Idempotency, ShownOnce, idempotent
from ehp_api.web.validators import CACHEABLE, VERSIONED, IfMatch, check_seen, tagged, versioned

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

# A secret the service made is never kept in clear beside the key: a retry learns which
# subscription was made, never its secret.
SECRET = ShownOnce(
    "secret",
    "Use that subscription if its secret reached you; otherwise delete it "
    "(`DELETE /api/v1/webhooks/{id}`) and subscribe again with a new Idempotency-Key.",
)
Retry = Annotated[Idempotency, idempotent("webhooks.create", SECRET)]


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(session: SessionDep, page: PageDep, principal: Manage) -> Page[WebhookPublic]:
    """List your organisation's webhook subscriptions (those of your role)."""
    rows, next_cursor = service.list_(session, principal, page)
    return Page(
        items=render.subscriptions(session, rows), limit=page.limit, next_cursor=next_cursor
    )


@router.post(
    "", response_model=WebhookCreated, status_code=201, responses=problem_responses(409, 503)
)
def create_webhook(
    session: SessionDep,
    data: WebhookCreate,
    principal: Manage,
    retry: Retry,
    settings: AppSettings,
) -> Response:
    """Subscribe an endpoint to event types; it receives what your role may read."""

    def work() -> tuple[int, WebhookCreated]:
        row, secret = service.create(session, principal, data, settings)
        return 201, render.created(session, row, secret)

    return retry.once(data, work)


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=CACHEABLE)
def get_webhook(
    request: Request, session: SessionDep, webhook_id: RecordId, principal: Manage
) -> Response:
    """Get one subscription (its secret is never shown again); `ETag` its version."""
    return versioned(
        request, render.subscription(session, service.get(session, principal, webhook_id))
    )


@router.patch(
    "/{webhook_id}", response_model=WebhookPublic, responses=problem_responses(412) | VERSIONED
)
def update_webhook(
    session: SessionDep,
    webhook_id: RecordId,
    data: WebhookUpdate,
    principal: Manage,
    settings: AppSettings,
    if_match: IfMatch = None,
) -> Response:
    """Change a subscription's endpoint, event types, description, or pause it."""
    check_seen(
        session,
        if_match,
        row_locks.rows(WebhookSubscription, id=webhook_id),
        lambda: render.subscription(session, service.get(session, principal, webhook_id)),
        "webhook",
    )
    row = service.update(session, principal, webhook_id, data, settings)
    return tagged(render.subscription(session, row))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(session: SessionDep, webhook_id: RecordId, principal: Manage) -> None:
    """Remove a subscription and its delivery log."""
    service.delete(session, principal, webhook_id)


@router.get("/{webhook_id}/deliveries", response_model=Page[WebhookDelivery])
def list_webhook_deliveries(
    session: SessionDep, webhook_id: RecordId, page: PageDep, principal: Manage
) -> Page[WebhookDelivery]:
    """The subscription's delivery log, newest first: attempts, last answer, next try."""
    rows, next_cursor = service.deliveries(session, principal, webhook_id, page)
    return Page(
        items=[render.delivery(d, e) for d, e in rows], limit=page.limit, next_cursor=next_cursor
    )


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay", response_model=WebhookDelivery)
def replay_webhook_delivery(
    session: SessionDep, webhook_id: RecordId, delivery_id: RecordId, principal: Manage
) -> WebhookDelivery:
    """Send a delivery again (same `webhook-id`), whatever became of it."""
    return render.delivery(*service.replay(session, principal, webhook_id, delivery_id))
