"""Webhook signing secrets at rest: sealed with the service's keyring (`EHP_ENCRYPTION_KEY`,
`core.sealing`, as complainants' identities are), so that a copy of the database (a backup, a
replica, a dump read by someone) does not let anyone forge deliveries. The worker opens a
secret only to sign; `ehp-api rotate-encryption-key` seals them again with a new key (`SEALED`).
Without a key no subscription is made: a secret is never stored in clear."""

from sqlalchemy import true

from ehp_api.core.db import table_of
from ehp_api.core.errors import ServiceUnavailable
from ehp_api.core.i18n import tr
from ehp_api.core.sealing import KeyMissing, Keyring, Sealed, Unopenable
from ehp_api.notifications.models import WebhookSubscription

SUBSCRIPTIONS = table_of(WebhookSubscription)
SEALED = Sealed(
    "webhook secrets",
    SUBSCRIPTIONS,
    (SUBSCRIPTIONS.c.id,),
    SUBSCRIPTIONS.c.secret_token,
    true(),
)


def seal(keyring: Keyring, secret: str) -> str:
    try:
        return keyring.seal(secret.encode("utf-8"))
    except KeyMissing:
        raise ServiceUnavailable(
            tr(
                "Webhook secrets cannot be stored: the service has no encryption key "
                "(EHP_ENCRYPTION_KEY). Ask the administrator to set it.",
            )
        ) from None


def open_(keyring: Keyring, token: str) -> str | None:
    """The secret, or None when no configured key opens it (the worker logs why it cannot sign)."""
    try:
        return keyring.open(token).decode("utf-8")
    except (KeyMissing, Unopenable):
        return None
