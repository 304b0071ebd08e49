"""Several workers, one run per due time: claimers racing for a due job (threads, each with its
own connection, as separate workers are) leave exactly one winner, on SQLite and PostgreSQL; two
workers' schedulers run a due job once; a job running is not started again before its lease
ends; each run is in the audit log, a failed one too, and the worker goes on."""

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from ehp_api.audit.models import AuditEvent
from ehp_api.core.config import Settings
from ehp_api.core.db import utcnow
from ehp_api.core.principal import Principal, system_principal
from ehp_api.jobs import service as jobs
from ehp_api.jobs.models import ScheduledJob
from ehp_api.jobs.service import Job, Scheduler, every
from tests.notifications.conftest import Live

HOUR = timedelta(hours=1)


class Counting:
    """A job's body that counts its runs (from any thread), or fails."""

    def __init__(self, fail: bool = False) -> None:
        self.runs = 0
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, engine: Engine, settings: Settings, actor: Principal) -> Mapping[str, int]:
        with self.lock:
            self.runs += 1
        if self.fail:
            raise RuntimeError("the job broke")
        return {"things_done": 7}


def job(name: str, body: Counting, seconds: int = 3600) -> Job:
    schedule = every(seconds)
    assert schedule is not None
    return Job(name, schedule, body)


def race(count: int, action: Callable[[], Any]) -> list[Any]:
    """`action()` in `count` threads released at once; their answers."""
    barrier = threading.Barrier(count)
    answers: list[Any] = []

    def run() -> None:
        barrier.wait()
        answers.append(action())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def set_row(engine: Engine, name: str, **values: Any) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(ScheduledJob).where(ScheduledJob.name == name).values(**values))


def make_due(engine: Engine, name: str) -> None:
    set_row(engine, name, next_run_at=utcnow() - timedelta(seconds=1))


def row(engine: Engine, name: str) -> ScheduledJob:
    with Session(engine) as session:
        return session.get_one(ScheduledJob, name)


def runs_on_record(engine: Engine, name: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "job.run", AuditEvent.entity_id == name)
            .order_by(AuditEvent.id)
        ).all()
        return [{"by": e.principal_name, **e.changes} for e in events]


def test_racing_claimers_leave_one_winner_per_due_time(live: Live) -> None:
    engine, the_job = live.engine, job("race", Counting())
    jobs.ensure(engine, [the_job], utcnow())
    actor = replace(system_principal(), name="worker:race")
    for due_time in range(3):
        now = utcnow()
        tokens = race(8, lambda now=now: jobs.claim(engine, the_job, HOUR, now))
        winners = [token for token in tokens if token is not None]
        assert (len(tokens), len(winners)) == (8, 1), due_time
        assert row(engine, "race").next_run_at == now + HOUR
        jobs.finish(engine, the_job, winners[0], actor, {"things_done": 1})
        make_due(engine, "race")
    assert len(runs_on_record(engine, "race")) == 3


def test_two_workers_run_a_due_job_once_and_again_at_its_next_due_time(live: Live) -> None:
    body = Counting()
    workers = [Scheduler([job("twice", body)]), Scheduler([job("twice", body)])]
    turns = iter(workers * 4)
    race(8, lambda: next(turns)(live.engine, live.settings))
    assert body.runs == 1
    for worker in workers:  # the next turns: not due
        worker(live.engine, live.settings)
    assert body.runs == 1

    make_due(live.engine, "twice")  # its next due time has come
    race(2, lambda: workers[0](live.engine, live.settings))
    race(2, lambda: workers[1](live.engine, live.settings))
    assert body.runs == 2
    runs = runs_on_record(live.engine, "twice")
    assert len(runs) == 2
    assert runs[0]["by"] == "worker:twice"
    assert runs[0]["outcome"] == {"old": None, "new": "ok"}
    assert runs[0]["things_done"] == {"old": None, "new": 7}
    done = row(live.engine, "twice")
    assert (done.claim, done.claimed_at, done.last_outcome) == (None, None, "ok")


def test_a_running_job_is_not_started_again_before_its_lease_ends(live: Live) -> None:
    engine, the_job = live.engine, job("long", Counting(), seconds=60)
    jobs.ensure(engine, [the_job], utcnow())
    first = jobs.claim(engine, the_job, HOUR, utcnow())
    assert first is not None
    make_due(engine, "long")  # due again while the first run goes on
    assert jobs.claim(engine, the_job, HOUR, utcnow()) is None

    # The first worker died mid-run: its claim lapses with the lease.
    set_row(engine, "long", claimed_at=utcnow() - HOUR - timedelta(seconds=1))
    second = jobs.claim(engine, the_job, HOUR, utcnow())
    assert second is not None
    assert second != first
    # The dead worker's late end changes nothing of the second run's claim.
    jobs.finish(engine, the_job, first, system_principal(), {"things_done": 0})
    assert row(engine, "long").claim == second


def test_a_failed_run_is_on_record_and_the_worker_goes_on(live: Live) -> None:
    broken, fine = Counting(fail=True), Counting()
    worker = Scheduler([job("broken", broken), job("fine", fine)])
    worker(live.engine, live.settings)
    assert (broken.runs, fine.runs) == (1, 1)
    [failed] = runs_on_record(live.engine, "broken")
    assert failed["outcome"] == {"old": None, "new": "failed"}
    assert set(failed) == {"by", "outcome"}  # an error's text may quote data: none kept
    assert row(live.engine, "broken").last_outcome == "failed"
    assert row(live.engine, "broken").claim is None
    assert runs_on_record(live.engine, "fine")[0]["outcome"]["new"] == "ok"


def test_a_shortened_interval_applies_when_a_worker_starts(live: Live) -> None:
    jobs.ensure(live.engine, [job("daily_then_hourly", Counting(), seconds=86400)], utcnow())
    set_row(live.engine, "daily_then_hourly", next_run_at=utcnow() + timedelta(hours=23))
    now = utcnow()
    jobs.ensure(live.engine, [job("daily_then_hourly", Counting(), seconds=3600)], now)
    assert row(live.engine, "daily_then_hourly").next_run_at == now + HOUR
