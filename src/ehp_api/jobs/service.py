"""When each job is due, who runs it, and the record of each run.

Claims: one UPDATE of the job's row, `WHERE next_run_at <= now AND nobody runs it`, which moves
`next_run_at` to the next due time and stamps the claim. Of several workers (or threads) that
try at once, one updates the row; on PostgreSQL the others wait for its commit, read the row
again and find it no longer due; on SQLite writers take turns. So a job runs once per due time,
by one worker at a time, on both databases, with no transaction or lock held while it runs.
Not an advisory lock: PostgreSQL's would not serve SQLite, and it says only "one at a time", not
"once per due time" (a second worker taking the lock just after the first released it would run
the job again); it would also hold a connection for the whole run.

A worker killed mid-run leaves its claim: nobody starts the job again before the next due time
and the lease's end (`EHP_JOB_LEASE_SECONDS`), whichever is later. A run is not retried: the
jobs are idempotent, and the next run does what this one left.
"""

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.core.config import Settings
from ehp_api.core.db import deferred, utcnow
from ehp_api.core.principal import Principal, system_principal
from ehp_api.jobs.models import ScheduledJob

log = logging.getLogger("ehp_api.jobs")

# A job's body: does its work in transactions of its own, says what it did (counts only).
Body = Callable[[Engine, Settings, Principal], Mapping[str, int]]


@dataclass(frozen=True)
class Schedule:
    """Every `every`, or daily at `at` (UTC)."""

    every: timedelta | None = None
    at: time | None = None

    def next_after(self, now: datetime) -> datetime:
        if self.every is not None:
            return now + self.every
        assert self.at is not None
        today = datetime.combine(now.date(), self.at, tzinfo=UTC)
        return today if today > now else today + timedelta(days=1)

    def first(self, now: datetime) -> datetime:
        """A new job's first due time: an interval's at once, a daily one's at its time."""
        return now if self.every is not None else self.next_after(now)


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    body: Body


def every(seconds: int) -> Schedule | None:
    return Schedule(every=timedelta(seconds=seconds)) if seconds else None


def daily(at: str) -> Schedule | None:
    return Schedule(at=time.fromisoformat(at)) if at else None


def ensure(engine: Engine, jobs: list[Job], now: datetime) -> None:
    """A row for each job (workers starting together: one inserts it); a due time further away
    than the schedule now allows (the setting was shortened) brought back to it."""
    for job in jobs:
        try:
            with Session(engine) as session, session.begin():
                if session.get(ScheduledJob, job.name) is None:
                    session.add(ScheduledJob(name=job.name, next_run_at=job.schedule.first(now)))
        except IntegrityError:
            pass  # another worker inserted it
        soonest = job.schedule.next_after(now)
        with Session(engine) as session, session.begin():
            session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.name == job.name, ScheduledJob.next_run_at > soonest)
                .values(next_run_at=soonest)
            )


def claim(engine: Engine, job: Job, lease: timedelta, now: datetime) -> str | None:
    """The claim's token if this caller is to run the job now, else None."""
    token = secrets.token_hex(8)
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(ScheduledJob)
            .where(
                ScheduledJob.name == job.name,
                ScheduledJob.next_run_at <= now,
                or_(ScheduledJob.claimed_at.is_(None), ScheduledJob.claimed_at < now - lease),
            )
            .values(
                next_run_at=job.schedule.next_after(now),
                claim=token,
                claimed_at=now,
                last_started_at=now,
            )
        )
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]  # a CursorResult


def finish(
    engine: Engine, job: Job, token: str, actor: Principal, result: Mapping[str, int] | None
) -> None:
    """The claim released and the run on record in the audit log (`job.run`): its outcome and
    counts, or `failed` with nothing else (an error's text may quote data)."""
    outcome = "ok" if result is not None else "failed"
    changes = {"outcome": {"old": None, "new": outcome}} | {
        name: {"old": None, "new": count} for name, count in (result or {}).items()
    }
    with Session(engine) as session, session.begin():
        session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == job.name, ScheduledJob.claim == token)
            .values(claim=None, claimed_at=None, last_finished_at=utcnow(), last_outcome=outcome)
        )
        audit.record(session, actor, "job.run", "scheduled_job", job.name, changes)


def run(engine: Engine, settings: Settings, job: Job, token: str) -> Mapping[str, int] | None:
    """Run a claimed job and record it; what it did, or None when it failed."""
    actor = replace(system_principal(), name=f"worker:{job.name}")
    try:
        result: Mapping[str, int] | None = dict(job.body(engine, settings, actor))
    except Exception:
        log.exception("scheduled job %s failed", job.name)
        result = None
    else:
        log.info("scheduled job %s: %s", job.name, result)
    finish(engine, job, token, actor, result)
    return result


class Scheduler:
    """The worker's hook (`notifications.worker.run(jobs=[...])`): each turn, runs the jobs that
    are due and that this worker claims."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self.ready = False

    def __call__(self, engine: Engine, settings: Settings) -> None:
        now = utcnow()
        if not self.ready:
            ensure(engine, self.jobs, now)
            self.ready = True
        with Session(deferred(engine)) as session:
            due = set(
                session.exec(
                    select(ScheduledJob.name).where(
                        ScheduledJob.name.in_([job.name for job in self.jobs]),
                        ScheduledJob.next_run_at <= now,
                    )
                ).all()
            )
        lease = timedelta(seconds=settings.job_lease_seconds)
        for job in self.jobs:
            if job.name in due and (token := claim(engine, job, lease, now)) is not None:
                run(engine, settings, job, token)
