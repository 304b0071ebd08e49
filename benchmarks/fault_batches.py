"""Faults 2 and 3, around one 10,000-reading atomic batch with an `Idempotency-Key`: the server
killed (SIGKILL to every process) in the middle of it, and a client that drops the connection
before the answer. Either way the batch is stored whole or not at all, and retrying with the same
key stores it exactly once."""

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from fault_rig import (
    BATCH_ROWS,
    SERVER_APP,
    Report,
    World,
    group_members,
    say,
    scalar,
    serve,
    server_errors,
    wait_until,
)


@dataclass
class Batch:
    name: str
    key_id: int
    secret: str
    body: bytes
    idempotency_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.secret}",
            "Content-Type": "application/json",
            "Idempotency-Key": self.idempotency_key,
        }


def batch_of(world: World, name: str) -> Batch:
    rows = [
        {**row, "external_ref": f"faults-{name}-{i}"} for i, row in enumerate(world.rows_of(name))
    ]
    key_id, secret = world.keys[name]
    body = orjson.dumps({"readings": rows})
    return Batch(name, key_id, secret, body, f"faults-{name}-batch-1")


def writing_backend(world: World) -> bool:
    """A server connection holds the write lock of `readings`: its batch is being inserted."""
    return bool(
        scalar(
            world,
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE c.relname = 'readings' "
            "AND l.mode = 'RowExclusiveLock' AND l.granted AND a.application_name = :app",
            app=SERVER_APP,
        )
    )


def server_backends(world: World) -> int:
    return int(
        scalar(
            world,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app",
            app=SERVER_APP,
        )
    )


def stored_state(world: World, batch: Batch) -> tuple[int, int, int]:
    """(readings of the batch, idempotency rows of its key, `reading.import` audit events)."""
    readings = scalar(
        world,
        "SELECT count(*) FROM readings WHERE external_ref LIKE :like",
        like=f"faults-{batch.name}-%",
    )
    keys = scalar(
        world,
        "SELECT count(*) FROM idempotency_keys WHERE key = :key",
        key=batch.idempotency_key,
    )
    imports = scalar(
        world,
        "SELECT count(*) FROM audit_events WHERE action = 'reading.import' "
        "AND principal_kind = 'api_key' AND principal_id = :id",
        id=batch.key_id,
    )
    return readings, keys, imports


def post_in_background(base: str, batch: Batch) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            response = httpx.post(
                f"{base}/api/v1/readings/batch?mode=atomic",
                content=batch.body,
                headers=batch.headers,
                timeout=120,
            )
            outcome["status"] = response.status_code
        except httpx.HTTPError as exc:
            outcome["error"] = type(exc).__name__

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def kill(world: World, report: Report) -> None:
    print("\n== 2. the server killed (SIGKILL) in the middle of an atomic batch ==", flush=True)
    batch = batch_of(world, "kill")
    with serve(world, "kill") as server:
        started = time.monotonic()
        thread, outcome = post_in_background(server.base, batch)
        writing = wait_until(lambda: writing_backend(world), 60)
        members = server.kill_group()
        killed_at = time.monotonic() - started
        thread.join()
    say(
        f"POST of {BATCH_ROWS:,} readings, mode=atomic, Idempotency-Key {batch.idempotency_key}; "
        f"SIGKILL to the process group ({len(members)} processes) {killed_at:.2f} s after sending"
    )
    report.check(writing, "the kill came while the batch's rows were being inserted")
    report.check(not group_members(server.process.pid), "no process of the server's group survived")
    report.check("status" not in outcome, f"the client got no answer ({outcome})")
    gone = wait_until(lambda: server_backends(world) == 0, 60, step=0.1)
    report.check(gone, "PostgreSQL ended the dead server's connections (their work rolled back)")
    readings, keys, imports = stored_state(world, batch)
    whole = (readings, keys, imports) in ((0, 0, 0), (BATCH_ROWS, 1, 1))
    state = "absent" if readings == 0 else "present" if readings == BATCH_ROWS else "PARTIAL"
    report.check(
        whole,
        f"after the kill the batch is entirely {state}: {readings:,} readings, {keys} key row, "
        f"{imports} import event",
    )
    retry_until_stored(world, report, batch, replayed_first=readings == BATCH_ROWS)


def retry_until_stored(world: World, report: Report, batch: Batch, replayed_first: bool) -> None:
    """Retry twice with the same key on a fresh server: the first completes (or replays) the
    batch, the second replays it; exactly one batch is stored."""
    with serve(world, f"{batch.name}-retry") as server, httpx.Client(timeout=120) as client:
        url = f"{server.base}/api/v1/readings/batch?mode=atomic"
        first = client.post(url, content=batch.body, headers=batch.headers)
        second = client.post(url, content=batch.body, headers=batch.headers)
    judge_retries(world, report, batch, first, second)
    replayed = first.headers.get("Idempotent-Replayed") == "true"
    report.check(
        replayed == replayed_first,
        "the retry " + ("replays the stored answer" if replayed_first else "ran the batch"),
    )


# --- 3. a client that drops the connection, then retries -------------------------------------


def send_and_drop(base: str, batch: Batch, world: World, whole: bool) -> tuple[bool, bool]:
    """Send the request on a raw socket and close it without reading anything: once the server
    is writing the batch (`whole`), or after half the body. Returns (the moment was reached, an
    answer had already come)."""
    host, port = base.removeprefix("http://").split(":")
    head = (
        f"POST /api/v1/readings/batch?mode=atomic HTTP/1.1\r\nHost: {host}:{port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in batch.headers.items())
        + f"Content-Length: {len(batch.body)}\r\nConnection: close\r\n\r\n"
    )
    sock = socket.create_connection((host, int(port)))
    try:
        if whole:
            sock.sendall(head.encode() + batch.body)
            reached = wait_until(lambda: writing_backend(world), 60)
        else:
            sock.sendall(head.encode() + batch.body[: len(batch.body) // 2])
            time.sleep(1)
            reached = True
        sock.setblocking(False)
        try:
            answered = bool(sock.recv(1))
        except BlockingIOError:
            answered = False
    finally:
        sock.close()
    return reached, answered


DROPS = {
    "drop-sending": (False, "while sending the body (half of it sent)"),
    "drop-writing": (True, "once the server was writing the batch (whole request sent)"),
}


def drop(world: World, report: Report) -> None:
    print("\n== 3. a client drops the connection before the answer, then retries ==", flush=True)
    with serve(world, "drop") as server:
        for name, (whole, moment) in DROPS.items():
            batch = batch_of(world, name)
            reached, answered = send_and_drop(server.base, batch, world, whole)
            say(
                f"{name}: POST of {BATCH_ROWS:,} readings with Idempotency-Key "
                f"{batch.idempotency_key}, connection closed unread {moment}; retried at once"
            )
            report.check(reached and not answered, "the connection was dropped before any answer")
            with httpx.Client(timeout=120) as client:
                url = f"{server.base}/api/v1/readings/batch?mode=atomic"
                first = client.post(url, content=batch.body, headers=batch.headers)
                second = client.post(url, content=batch.body, headers=batch.headers)
            judge_retries(world, report, batch, first, second)
        unhandled = server_errors(server)
    report.check(not unhandled, f"no unhandled error in the server's log ({len(unhandled)})")


def judge_retries(
    world: World, report: Report, batch: Batch, first: httpx.Response, second: httpx.Response
) -> None:
    summary = first.json() if first.status_code == 200 else {}
    say(
        f"retry 1: HTTP {first.status_code}, created {summary.get('created')}, replayed "
        f"{first.headers.get('Idempotent-Replayed') == 'true'}; retry 2: HTTP "
        f"{second.status_code}, replayed {second.headers.get('Idempotent-Replayed') == 'true'}"
    )
    report.check(
        first.status_code == 200 and summary.get("created") == BATCH_ROWS,
        f"the retry answers 200 with {BATCH_ROWS:,} readings created",
    )
    report.check(
        second.status_code == 200
        and second.headers.get("Idempotent-Replayed") == "true"
        and second.content == first.content,
        "a further retry replays the same answer",
    )
    readings, keys, imports = stored_state(world, batch)
    report.check(
        (readings, keys, imports) == (BATCH_ROWS, 1, 1),
        f"exactly one stored batch: {readings:,} readings, {keys} key row, {imports} import event",
    )
