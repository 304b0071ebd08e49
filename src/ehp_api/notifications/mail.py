"""E-mail through SMTP: one message per event and address, saying what happened and where to
read it; never a complainant's identity, never a narrative (the mail leaves the service's
access rules behind: it says only what every addressee may know, and points to the record)."""

import hashlib
import smtplib
import ssl
from email.message import EmailMessage

from ehp_api.core.config import Settings
from ehp_api.events.models import EventType, OutboxEvent

_SUBJECTS = {
    EventType.complaint_created: "New SEA allegation recorded",
    EventType.complaint_referred: "A complaint was referred to your organisation",
    EventType.reading_rejected: "A reading of your organisation was rejected",
    EventType.alert_escalated: "An alert was escalated to the EHP",
    EventType.alert_escalation_recommended: "An alert's trigger rules recommend escalation",
}
# Only these fields of an event's payload reach a mail: dates, codes and ids.
_FIELDS = (
    "id", "category", "status", "received_on", "referral_due_on", "referred_to", "referred_on",
    "response_due_on", "kind", "severity", "occurred_on", "indicator", "period", "reclassified",
)  # fmt: skip


def headed(settings: Settings, to: str, subject: str, key: str) -> EmailMessage:
    """A message to `to` whose `Message-ID` is the same whenever it is made again for the same
    `key` and address (a retry, a job run twice), so that a mail client shows it once. The
    address is hashed: an id names no one."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_sender
    message["To"] = to
    recipient = hashlib.sha256(to.encode()).hexdigest()[:16]
    message["Message-ID"] = f"<{key}.{recipient}@ehp-api>"
    return message


def compose(settings: Settings, event: OutboxEvent, to: str) -> EmailMessage:
    subject = f"[EHP] {_SUBJECTS.get(EventType(event.type), event.type)}"
    message = headed(settings, to, subject, event.public_id)
    facts = [f"{name}: {event.payload[name]}" for name in _FIELDS if name in event.payload]
    message.set_content(
        "\n".join(
            [
                f"{_SUBJECTS.get(EventType(event.type), event.type)}.",
                "",
                *facts,
                "",
                f"Read it in the service: GET /api/v1/{event.subject.replace('/', 's/', 1)}",
                "(with your own account: what you may read there is what you may read).",
                "",
                f"Event {event.public_id} ({event.type}).",
            ]
        )
    )
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Send through the settings' SMTP server; raises OSError or smtplib.SMTPException."""
    host, port, timeout = (
        settings.smtp_host or "",
        settings.smtp_port,
        settings.smtp_timeout_seconds,
    )
    if settings.smtp_tls == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if settings.smtp_tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            server.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        server.send_message(message)
