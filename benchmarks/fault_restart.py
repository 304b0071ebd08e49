"""Fault 1: PostgreSQL restarted while clients write. Every answer is a 2xx or a 503 problem,
nothing hangs, writes succeed again within seconds, and every acknowledged write is stored."""

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fault_rig import WORKERS, Report, World, say, serve, server_errors
from sqlalchemy import text

RECOVERY_LIMIT = 5.0  # seconds after the database is back within which writes must succeed
CLIENT_TIMEOUT = 15.0  # longer than the pool timeout (5 s): a timeout here is a hang
PROBLEM = "application/problem+json"


@dataclass
class Attempt:
    kind: str  # "alert" or "reading"
    ref: str  # its external_ref: how the write is found in the database
    sent: float
    done: float
    status: int | None = None  # None: no HTTP answer (timeout or transport error)
    content_type: str = ""
    problem_type: str | None = None
    error: str | None = None


def alert_body(ref: str) -> dict[str, Any]:
    return {
        "kind": "ewrr", "category": "extortion", "location": "ML0701",
        "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 2,
        "affected_group": "idps", "affected_people": 12, "external_ref": ref,
    }  # fmt: skip


@dataclass
class Writers:
    """Client threads posting one new write after another, each recorded."""

    base: str
    secret: str
    readings: list[dict[str, Any]]
    attempts: list[Attempt] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, kind: str, number: int) -> None:
        headers = {"Authorization": f"Bearer {self.secret}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=CLIENT_TIMEOUT) as client:
            for i in range(10**6):
                if self.stop.is_set():
                    return
                attempt = self.post(client, kind, f"faults-restart-{kind}-{number}-{i}")
                with self.lock:
                    self.attempts.append(attempt)
                time.sleep(0.1 if attempt.status != 503 else 0.2)

    def next_reading(self, ref: str) -> dict[str, Any]:
        with self.lock:
            return {**self.readings.pop(), "external_ref": ref}

    def post(self, client: httpx.Client, kind: str, ref: str) -> Attempt:
        path, body = (
            ("/api/v1/alerts", alert_body(ref))
            if kind == "alert"
            else ("/api/v1/readings", self.next_reading(ref))
        )
        attempt = Attempt(kind, ref, time.monotonic(), 0.0)
        try:
            response = client.post(path, json=body)
        except httpx.HTTPError as exc:
            attempt.error = type(exc).__name__
        else:
            attempt.status = response.status_code
            attempt.content_type = response.headers.get("content-type", "")
            if attempt.content_type == PROBLEM:
                attempt.problem_type = response.json().get("type")
        attempt.done = time.monotonic()
        return attempt


def restart(world: World, report: Report, outage: float) -> None:
    print("\n== 1. PostgreSQL restarted during traffic ==", flush=True)
    with serve(world, "restart") as server:
        writers = Writers(server.base, world.keys["restart"][1], world.rows_of("restart"))
        kinds = [("alert", 1), ("alert", 2), ("reading", 1), ("reading", 2)]
        threads = [threading.Thread(target=writers.run, args=k) for k in kinds]
        for thread in threads:
            thread.start()
        time.sleep(3)
        down = time.monotonic()
        world.cluster.stop("fast")
        stopped = time.monotonic()
        time.sleep(outage)
        world.cluster.start()
        up = time.monotonic()
        say(
            f"{WORKERS} workers, 4 writers (2 alerts, 2 readings); pg_ctl stop -m fast took "
            f"{stopped - down:.1f} s, started again after {up - down:.1f} s of outage"
        )
        time.sleep(RECOVERY_LIMIT + 5)
        writers.stop.set()
        for thread in threads:
            thread.join()
        unhandled = server_errors(server)
    judge_restart(world, report, writers.attempts, down, up, unhandled)


def judge_restart(
    world: World,
    report: Report,
    attempts: list[Attempt],
    down: float,
    up: float,
    unhandled: list[str],
) -> None:
    acked = [a for a in attempts if a.status in (200, 201)]
    refused = [a for a in attempts if a.status == 503]
    others = [a for a in attempts if a.status not in (200, 201, 503)]
    during = [a for a in attempts if a.sent < up and a.done > down]
    after = sorted((a for a in acked if a.sent >= up), key=lambda a: a.done)
    recovery = after[0].done - up if after else float("inf")
    late = [a for a in attempts if a.sent >= up + RECOVERY_LIMIT and a.status not in (200, 201)]
    say(
        f"{len(attempts)} writes sent: {len(acked)} acknowledged, {len(refused)} answered 503, "
        f"{len(others)} other answers; {len(during)} overlapped the outage"
    )
    slowest = max((a.done - a.sent for a in during), default=0.0)
    say(f"slowest answer during the outage: {slowest:.2f} s (client timeout {CLIENT_TIMEOUT} s)")
    report.check(not [a for a in attempts if a.error], "every write got an HTTP answer (no hang)")
    report.check(
        not others, f"no answer but 2xx or 503 ({sorted({a.status for a in others}, key=str)} seen)"
    )
    report.check(not unhandled, f"no unhandled error in the server's log ({len(unhandled)})")
    report.check(len(refused) > 0, f"the outage was seen: {len(refused)} answers 503")
    report.check(
        all(a.content_type == PROBLEM for a in refused)
        and all(a.problem_type == "/problems/service-unavailable" for a in refused),
        "every 503 is problem+json of type /problems/service-unavailable",
    )
    report.check(
        recovery <= RECOVERY_LIMIT,
        f"writes succeed again {recovery:.2f} s after the database is back "
        f"(limit {RECOVERY_LIMIT} s), without restarting the server",
    )
    report.check(not late, f"every write sent {RECOVERY_LIMIT:.0f} s after that succeeded")
    check_acknowledged(world, report, acked, refused)


def check_acknowledged(
    world: World, report: Report, acked: list[Attempt], refused: list[Attempt]
) -> None:
    stored = stored_refs(world)
    missing = [a.ref for a in acked if a.ref not in stored]
    report.check(
        not missing and bool(acked),
        f"every acknowledged write is in the database: {len(acked) - len(missing)} of "
        f"{len(acked)} ({sum(a.kind == 'alert' for a in acked)} alerts, "
        f"{sum(a.kind == 'reading' for a in acked)} readings)",
    )
    if missing:
        say(f"missing: {missing[:10]}")
    # A 503 promises nothing: a commit whose answer was lost with the connection may be there.
    say(f"writes answered 503 found stored anyway: {sum(a.ref in stored for a in refused)}")


def stored_refs(world: World) -> set[str]:
    with world.admin.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT external_ref FROM alerts WHERE external_ref LIKE 'faults-restart-%' "
                "UNION ALL "
                "SELECT external_ref FROM readings WHERE external_ref LIKE 'faults-restart-%'"
            )
        ).scalars()
        return set(rows)
