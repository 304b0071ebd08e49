"""E-mail through SMTP: one message per event and address, saying what happened and where to
read it; never a complainant's identity, never a narrative (the mail leaves the service's
access rules behind: it says only what every addressee may know, and points to the record).
Written in the deployment's language (`language`), codes shown by their labels."""

import functools
import hashlib
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from enum import StrEnum
from typing import Concatenate, ParamSpec

from ehp_api.alerts.models import AlertCategory, AlertKind, AlertStatus
from ehp_api.complaints.models import Category, ComplaintStatus
from ehp_api.core.config import Settings
from ehp_api.core.i18n import N_, Language, current_language, label, speaking, tr
from ehp_api.events.models import EventType, OutboxEvent
from ehp_api.readings.models import ReadingStatus

_SUBJECTS = {
    EventType.complaint_created: N_("New SEA allegation recorded"),
    EventType.complaint_referred: N_("A complaint was referred to your organisation"),
    EventType.reading_rejected: N_("A reading of your organisation was rejected"),
    EventType.alert_escalated: N_("An alert was escalated to the EHP"),
    EventType.alert_escalation_recommended: N_("An alert's trigger rules recommend escalation"),
}
# Only these fields of an event's payload reach a mail: dates, codes and ids. Each is named by
# its label; the English label is the payload's own key, which webhook readers know too.
_FIELDS = {
    "id": N_("id"),
    "category": N_("category"),
    "status": N_("status"),
    "received_on": N_("received_on"),
    "referral_due_on": N_("referral_due_on"),
    "referred_to": N_("referred_to"),
    "referred_on": N_("referred_on"),
    "response_due_on": N_("response_due_on"),
    "kind": N_("kind"),
    "severity": N_("severity"),
    "occurred_on": N_("occurred_on"),
    "indicator": N_("indicator"),
    "period": N_("period"),
    "reclassified": N_("reclassified"),
}
# The enum behind a field, by the kind of record the event is about (`complaint/12`): its value
# is shown by its label, as `GET /api/v1/labels` gives it.
_ENUMS: dict[tuple[str, str], type[StrEnum]] = {
    ("complaint", "category"): Category,
    ("complaint", "status"): ComplaintStatus,
    ("alert", "category"): AlertCategory,
    ("alert", "status"): AlertStatus,
    ("alert", "kind"): AlertKind,
    ("reading", "status"): ReadingStatus,
}
_BOOLEANS = {True: N_("True"), False: N_("False")}
P = ParamSpec("P")


def language(settings: Settings) -> Language:
    """The mails' language: the deployment's (EHP_DEFAULT_LANGUAGE). A mail answers no request
    whose Accept-Language could choose, and its addressees have no language of their own on
    record; the deployment's is the one its users read the service in."""
    return Language(settings.default_language)


def in_deployment_language(
    compose: Callable[Concatenate[Settings, P], EmailMessage],
) -> Callable[Concatenate[Settings, P], EmailMessage]:
    """A mail composed in the deployment's language (`language` of its settings, the first
    argument): its `tr` calls answer no request and no command line that could choose one."""

    @functools.wraps(compose)
    def composed(settings: Settings, *args: P.args, **kwargs: P.kwargs) -> EmailMessage:
        with speaking(language(settings)):
            return compose(settings, *args, **kwargs)

    return composed


def shown(enum: type[StrEnum], value: object) -> str:
    """A code by its label in the current language; a code the enum does not know, as it is."""
    try:
        member = enum(str(value))
    except ValueError:
        return str(value)
    return label(member, current_language())


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


@in_deployment_language
def compose(settings: Settings, event: OutboxEvent, to: str) -> EmailMessage:
    """The event's mail; the Message-ID is the same whatever the language."""
    known = event.type in EventType.__members__.values()
    what = tr(_SUBJECTS[EventType(event.type)]) if known else event.type
    message = headed(settings, to, f"[EHP] {what}", event.public_id)
    kind = event.subject.partition("/")[0]
    facts = [
        tr("{name}: {value}", name=tr(title), value=_value(kind, name, event.payload[name]))
        for name, title in _FIELDS.items()
        if name in event.payload
    ]
    path = f"/api/v1/{event.subject.replace('/', 's/', 1)}"
    message.set_content(
        "\n".join(
            [
                f"{what}.",
                "",
                *facts,
                "",
                tr("Read it in the service: GET {path}", path=path),
                tr("(with your own account: what you may read there is what you may read)."),
                "",
                tr("Event {id} ({type}).", id=event.public_id, type=event.type),
            ]
        )
    )
    return message


def _value(kind: str, name: str, value: object) -> str:
    if isinstance(value, bool):
        return tr(_BOOLEANS[value])
    enum = _ENUMS.get((kind, name))
    return shown(enum, value) if enum else str(value)


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
