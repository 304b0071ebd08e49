"""`emit`: an event into the outbox, in the caller's transaction (it flushes, never commits), so
that a change and its event exist together or not at all."""

import secrets
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from ehp_api.events.models import EventType, OutboxEvent
from ehp_api.events.policy import Audience


def emit(
    session: Session,
    type_: EventType,
    subject: str,
    payload: dict[str, Any],
    audience: Sequence[Audience],
    *,
    restricted: dict[str, Any] | None = None,
    mail: Sequence[Audience] = (),
) -> OutboxEvent:
    """Record an event about `subject` (`complaint/123`). `payload` goes to the full view,
    `restricted` (if any) to the restricted one; `mail`: who is also told by e-mail."""
    event = OutboxEvent(
        public_id=f"evt_{secrets.token_urlsafe(18)}",
        type=type_.value,
        subject=subject,
        payload=payload,
        restricted=restricted,
        audience=[rule.as_json() for rule in audience],
        mail_audience=[rule.as_json() for rule in mail],
    )
    session.add(event)
    session.flush()
    return event
