"""What each scheduled job does, and the jobs the settings switch on. Each body runs in
transactions of its own and answers with counts (what the audit log's `job.run` keeps)."""

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from ehp_api.access import refusals
from ehp_api.complaints import purge
from ehp_api.core.config import Settings
from ehp_api.core.db import utcnow
from ehp_api.core.principal import Principal
from ehp_api.jobs import digest
from ehp_api.jobs.service import Job, daily, every
from ehp_api.notifications import service as notifications
from ehp_api.web import idempotency_keys, ratelimit


def purge_identities(engine: Engine, settings: Settings, actor: Principal) -> Mapping[str, int]:
    """`ehp-api purge-identities`: each erased identity audited in the same transaction."""
    with Session(engine) as session, session.begin():
        ids = purge.purge_identities(session, actor, settings.identity_retention_days)
    return {"identities_erased": len(ids)}


def purge_expired(engine: Engine, settings: Settings, actor: Principal) -> Mapping[str, int]:
    """`ehp-api purge-expired`."""
    with Session(engine) as session, session.begin():
        return {
            "idempotency_keys_deleted": idempotency_keys.purge_expired(session),
            "rate_limit_counters_deleted": ratelimit.purge_expired(session),
            "login_refusals_summarised": refusals.summarise_ended(session),
        }


def purge_outbox(engine: Engine, settings: Settings, actor: Principal) -> Mapping[str, int]:
    """Delivered events older than EHP_OUTBOX_RETENTION_DAYS, with their deliveries."""
    before = utcnow() - timedelta(days=settings.outbox_retention_days)
    with Session(engine) as session, session.begin():
        deliveries, events = notifications.purge_delivered(session, before)
    return {"deliveries_deleted": deliveries, "events_deleted": events}


def overdue_digest(engine: Engine, settings: Settings, actor: Principal) -> Mapping[str, int]:
    return digest.send(engine, settings, utcnow().date())


def from_settings(settings: Settings) -> list[Job]:
    """The jobs switched on, each with its schedule."""
    schedules = {
        "purge_identities": (every(settings.job_purge_identities_every_seconds), purge_identities),
        "purge_expired": (every(settings.job_purge_expired_every_seconds), purge_expired),
        "purge_outbox": (every(settings.job_purge_outbox_every_seconds), purge_outbox),
        "overdue_digest": (daily(settings.job_overdue_digest_at), overdue_digest),
    }
    return [
        Job(name, schedule, body)
        for name, (schedule, body) in schedules.items()
        if schedule is not None
    ]
