"""The embedded database serves a small office: `ehp-api serve` on SQLite with its defaults.

A burst of writes from several partners queues on SQLite's write lock instead of failing,
readers are never refused because of writes, theirs (an API key's `last_used_at`) or others',
and a write that waits for the lock longer than the busy timeout gets a 503 that says so.
"""

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.e2e._server import Server, serve

PARTNERS = ("HCR", "UNICEF", "UNFPA", "OIM")
WRITES_PER_PARTNER = 25
READERS = 8
READ_SECONDS = 10.0
READ_PATHS = ("/api/v1/me", "/api/v1/activities", "/api/v1/indicators/1.3.2.1")
CLIENT_TIMEOUT = 30.0
BUSY_TIMEOUT_SECONDS = 5.0  # EHP_SQLITE_BUSY_TIMEOUT_MS's default


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("sqlite-office")) as running:
        yield running


@pytest.fixture(scope="module")
def partner_keys(server: Server) -> dict[str, str]:
    return {org: server.api_key(org, "partner", f"{org} sync") for org in PARTNERS}


@dataclass
class Answers:
    """Every answer of a run: status, problem type, seconds taken."""

    statuses: Counter[int] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: httpx.Response, seconds: float) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            self.seconds.append(seconds)
            if response.headers.get("content-type") == "application/problem+json":
                self.problems[f"{response.status_code} {response.json()['type']}"] += 1

    def summary(self) -> str:
        ordered = sorted(self.seconds) or [0.0]
        p50, slowest = ordered[len(ordered) // 2], ordered[-1]
        return (
            f"{sum(self.statuses.values())} answers {dict(self.statuses)} "
            f"problems {dict(self.problems)}; p50 {p50:.2f} s, slowest {slowest:.2f} s"
        )


def alert(ref: str) -> dict[str, object]:
    return {
        "kind": "ewrr", "category": "extortion", "location": "ML0701",
        "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 2,
        "affected_group": "idps", "affected_people": 12, "external_ref": ref,
    }  # fmt: skip


def client(server: Server, secret: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=CLIENT_TIMEOUT)


def post_alert(server: Server, secret: str, ref: str, answers: Answers) -> None:
    with client(server, secret) as http:
        started = time.monotonic()
        answers.record(http.post("/api/v1/alerts", json=alert(ref)), time.monotonic() - started)


def in_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def fresh_keys(server: Server, count: int) -> list[str]:
    """Analysts' keys never used yet: the first request of each sets its `last_used_at`."""
    admin = server.api_key("OCHA", "admin", "key maker")
    with client(server, admin) as http:
        return [
            http.post("/api/v1/api-keys", json=body).raise_for_status().json()["secret"]
            for body in (
                {"name": f"reader {n}", "organisation": "OCHA", "role": "analyst"}
                for n in range(count)
            )
        ]


def stored_refs(server: Server, secret: str, prefix: str) -> set[str]:
    with client(server, secret) as http:
        page = http.get("/api/v1/alerts", params={"limit": 500}).raise_for_status().json()
    assert page["next_cursor"] is None
    refs = (item.get("external_ref") or "" for item in page["items"])
    return {ref for ref in refs if ref.startswith(prefix)}


def test_100_concurrent_writes_from_4_partners_all_stored(
    server: Server, partner_keys: dict[str, str]
) -> None:
    answers = Answers()
    start = threading.Barrier(len(PARTNERS) * WRITES_PER_PARTNER)

    def write(org: str, number: int) -> Callable[[], None]:
        def run() -> None:
            start.wait()
            post_alert(server, partner_keys[org], f"burst-{org}-{number}", answers)

        return run

    began = time.monotonic()
    in_threads([write(org, n) for org in PARTNERS for n in range(WRITES_PER_PARTNER)])
    elapsed = time.monotonic() - began
    print(f"\n100 concurrent writes in {elapsed:.1f} s: {answers.summary()}")
    assert answers.statuses == {201: 100}, answers.summary()
    for org, secret in partner_keys.items():
        assert len(stored_refs(server, secret, f"burst-{org}-")) == WRITES_PER_PARTNER, org


def test_8_readers_with_fresh_keys_always_get_200(server: Server) -> None:
    secrets = fresh_keys(server, READERS)
    answers = Answers()
    start = threading.Barrier(READERS)

    def read(secret: str) -> None:
        with client(server, secret) as http:
            start.wait()
            stop_at, number = time.monotonic() + READ_SECONDS, 0
            while time.monotonic() < stop_at:
                began = time.monotonic()
                response = http.get(READ_PATHS[number % len(READ_PATHS)])
                answers.record(response, time.monotonic() - began)
                number += 1

    in_threads([lambda secret=secret: read(secret) for secret in secrets])
    print(f"\n{READERS} readers for {READ_SECONDS:.0f} s: {answers.summary()}")
    assert set(answers.statuses) == {200}, answers.summary()


def test_while_a_writer_holds_the_lock_reads_answer_and_a_write_gets_a_busy_503(
    server: Server, partner_keys: dict[str, str]
) -> None:
    [reader] = fresh_keys(server, 1)
    written: list[httpx.Response] = []
    with client(server, partner_keys["HCR"]) as http:
        own = http.post("/api/v1/alerts", json=alert("own-read")).json()["id"]

    def write(ref: str) -> None:
        with client(server, partner_keys["HCR"]) as http:
            written.append(http.post("/api/v1/alerts", json=alert(ref)))

    # Another process (a script, say) holds the write lock for longer than the busy timeout.
    holder = sqlite3.connect(server.directory / "ehp.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        writer = threading.Thread(target=write, args=("held-1",))
        writer.start()
        with client(server, reader) as http:
            reads = [http.get(path) for path in ("/api/v1/me", "/api/v1/dashboard?period=2021Q2")]
        with client(server, partner_keys["HCR"]) as http:  # its own alert: nothing to record
            reads.append(http.get(f"/api/v1/alerts/{own}"))
        writer.join()
    finally:
        holder.rollback()
        holder.close()
    assert [r.status_code for r in reads] == [200, 200, 200]
    # Had they waited for the lock, they would have taken the whole busy timeout.
    assert all(r.elapsed.total_seconds() < BUSY_TIMEOUT_SECONDS - 1 for r in reads), reads
    [refused] = written
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "2"
    # Served as a user starts it, the service answers in French (EHP_DEFAULT_LANGUAGE's default).
    assert refused.headers["Content-Language"] == "fr"
    assert "occupée par d'autres écritures" in refused.json()["detail"]
    assert BUSY_TIMEOUT_SECONDS <= refused.elapsed.total_seconds() < BUSY_TIMEOUT_SECONDS + 3
    write("held-2")  # the lock is free again
    assert written[-1].status_code == 201, written[-1].text
