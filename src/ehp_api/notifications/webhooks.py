"""Sending one event to one webhook, signed per the Standard Webhooks specification
(https://www.standardwebhooks.com): headers `webhook-id` (the event's id, the same on every
retry and replay), `webhook-timestamp` (seconds, when signed) and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the subscription's secret), signed
with the specification's own library, `standardwebhooks`."""

import base64
import binascii
import secrets
from datetime import datetime
from typing import Any

import httpx
import orjson
from standardwebhooks import Webhook

from ehp_api.core.i18n import N_
from ehp_api.events.models import OutboxEvent
from ehp_api.events.policy import View
from ehp_api.notifications.destinations import Pinned

KEY_PREFIX = "whsec_"
# The specification asks for keys of 24 to 64 bytes.
KEY_BYTES = (24, 64)


def new_secret() -> str:
    return KEY_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_problem(secret: str) -> str | None:
    """Why a subscriber's secret is not a Standard Webhooks key, or None."""
    if not secret.startswith(KEY_PREFIX):
        return N_("must start with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(KEY_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return N_("must be base64 after its prefix")
    if not KEY_BYTES[0] <= len(key) <= KEY_BYTES[1]:
        return N_("must hold 24 to 64 bytes")
    return None


def body(event: OutboxEvent, view: str) -> bytes:
    """The delivery's body: `type`, `timestamp` (when it happened), `data` in the view given."""
    data = event.payload if view == View.full else event.restricted
    message: dict[str, Any] = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat(),
        "data": {"subject": event.subject, **(data or {})},
    }
    return orjson.dumps(message)


def headers(event_id: str, secret: str, payload: bytes, now: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "ehp-api-webhooks",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, now, payload),
    }


def send(
    client: httpx.Client,
    targets: list[Pinned],
    secret: str,
    event: OutboxEvent,
    view: str,
    now: datetime,
) -> tuple[int | None, str | None]:
    """POST the event to the first of the URL's checked addresses that takes the connection
    (`destinations`); (status code, error). A 2xx is success; anything else is retried."""
    payload = body(event, view)
    signed = headers(event.public_id, secret, payload, now)
    error = "no address to send to"
    for target in targets:
        try:
            response = client.post(
                target.url,
                content=payload,
                headers=signed | target.headers,
                extensions=target.extensions,
            )
        except httpx.ConnectError as refused:  # this address does not answer: the next one
            error = f"{type(refused).__name__}: {refused}"[:500]
            continue
        except httpx.HTTPError as failure:
            return None, f"{type(failure).__name__}: {failure}"[:500]
        if response.is_success:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"
    return None, error
