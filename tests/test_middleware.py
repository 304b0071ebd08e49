"""Load shedding: past its in-flight limit a request waits its turn for EHP_QUEUE_TIMEOUT (0: it is
refused at once), and the worker recovers at once."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from ehp_api.core.config import Settings
from ehp_api.main import create_app

PROBLEM = "application/problem+json"


class Held:
    """An app whose `/held` requests stay in flight until released."""

    def __init__(self, settings: Settings, limit: int, queue: float = 0.0) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)
        update = {"max_in_flight": limit, "queue_timeout": queue}
        self.app: FastAPI = create_app(settings.model_copy(update=update))
        self.served: list[str] = []  # the `name` of each request, as its handler starts
        self.inside = self.most_inside = 0
        lock = threading.Lock()

        @self.app.get("/held")
        def held(name: str = "") -> dict[str, str]:
            with lock:
                self.served.append(name)
                self.inside += 1
                self.most_inside = max(self.most_inside, self.inside)
            self.entered.release()
            assert self.release.wait(timeout=10), "the test never released the request"
            with lock:
                self.inside -= 1
            return {"status": "done"}

    def start(self, client: TestClient, pool: ThreadPoolExecutor, count: int) -> list[Future]:
        """`count` requests in flight, each inside its handler when this returns."""
        futures = [pool.submit(client.get, "/held") for _ in range(count)]
        for _ in range(count):
            assert self.entered.acquire(timeout=10), "a held request never started"
        return futures


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


class TestInFlightLimit:
    def test_a_request_past_the_limit_gets_a_503_problem_at_once(
        self, settings: Settings, pool: ThreadPoolExecutor
    ) -> None:
        held = Held(settings, limit=2)
        with TestClient(held.app) as client:
            futures = held.start(client, pool, 2)
            start = time.perf_counter()
            refused = client.get("/api/v1/strategy", headers={"X-Request-ID": "busy-1"})
            seconds = time.perf_counter() - start
            held.release.set()
            assert [f.result(timeout=10).status_code for f in futures] == [200, 200]
        assert refused.status_code == 503
        assert refused.headers["content-type"] == PROBLEM
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["X-Request-ID"] == "busy-1"
        body = refused.json()
        assert body["type"] == "/problems/overloaded"
        assert body["request_id"] == "busy-1"
        assert seconds < 1  # refused at the door, not after waiting for a thread or connection

    def test_below_the_limit_nothing_is_refused(
        self, settings: Settings, pool: ThreadPoolExecutor
    ) -> None:
        held = Held(settings, limit=2)
        with TestClient(held.app) as client:
            futures = held.start(client, pool, 1)
            response = client.get("/api/v1/nothing-here")  # gets past the limiter: a 404
            held.release.set()
            assert futures[0].result(timeout=10).status_code == 200
        assert response.status_code == 404

    def test_the_next_request_is_served_once_one_finishes(
        self, settings: Settings, pool: ThreadPoolExecutor
    ) -> None:
        held = Held(settings, limit=1)
        with TestClient(held.app) as client:
            [first] = held.start(client, pool, 1)
            assert client.get("/api/v1/nothing-here").status_code == 503
            held.release.set()
            assert first.result(timeout=10).status_code == 200
            assert client.get("/api/v1/nothing-here").status_code == 404

    def test_probes_are_never_refused(self, settings: Settings, pool: ThreadPoolExecutor) -> None:
        held = Held(settings, limit=1)
        with TestClient(held.app) as client:
            [first] = held.start(client, pool, 1)
            live = client.get("/healthz")
            held.release.set()
            first.result(timeout=10)
        assert live.status_code == 200


class TestQueue:
    def test_past_the_limit_a_request_waits_its_turn_and_is_served(
        self, settings: Settings, pool: ThreadPoolExecutor
    ) -> None:
        held = Held(settings, limit=1, queue=10)
        with TestClient(held.app) as client:
            [first] = held.start(client, pool, 1)
            queued = pool.submit(client.get, "/api/v1/nothing-here")
            time.sleep(0.3)
            assert not queued.done()  # waiting at the door, not refused
            held.release.set()
            assert first.result(timeout=10).status_code == 200
            assert queued.result(timeout=10).status_code == 404  # got past the limiter

    def test_one_whose_turn_does_not_come_in_time_gets_a_503_problem(
        self, settings: Settings, pool: ThreadPoolExecutor
    ) -> None:
        held = Held(settings, limit=1, queue=0.3)
        with TestClient(held.app) as client:
            [first] = held.start(client, pool, 1)
            start = time.perf_counter()
            refused = client.get("/api/v1/strategy")
            seconds = time.perf_counter() - start
            held.release.set()
            assert first.result(timeout=10).status_code == 200
            assert client.get("/api/v1/nothing-here").status_code == 404  # the slot came back
        assert refused.status_code == 503
        assert refused.json()["type"] == "/problems/overloaded"
        assert refused.headers["Retry-After"] == "1"
        assert 0.3 <= seconds < 5

    def test_the_queue_is_served_in_order(
        self, settings: Settings, pool: ThreadPoolExecutor
    ) -> None:
        held = Held(settings, limit=1, queue=10)
        with TestClient(held.app) as client:
            [first] = held.start(client, pool, 1)
            queued = []
            for name in ("second", "third"):
                queued.append(pool.submit(client.get, "/held", params={"name": name}))
                time.sleep(0.2)  # in line one after the other
            held.release.set()
            assert [f.result(timeout=10).status_code for f in (first, *queued)] == [200] * 3
        # Served as they came, one at a time (limit 1). Read where the service serves them: the
        # order in which the clients' threads wake up to their answers is the machine's.
        assert held.served == ["", "second", "third"]
        assert held.most_inside == 1


class TestSetting:
    def test_the_limit_defaults_to_the_request_threads(self) -> None:
        settings = Settings(worker_threads=12, _env_file=None)  # type: ignore[call-arg]
        assert settings.in_flight_limit == 12

    def test_requests_queue_on_sqlite_and_are_refused_at_once_on_postgresql(self) -> None:
        sqlite = Settings(database_url="sqlite:///x.db", _env_file=None)  # type: ignore[call-arg]
        postgresql = Settings(database_url="postgresql+psycopg://h/db", _env_file=None)  # type: ignore[call-arg]
        assert (sqlite.queue_seconds, postgresql.queue_seconds) == (10.0, 0.0)
        assert sqlite.model_copy(update={"queue_timeout": 0}).queue_seconds == 0

    def test_a_limit_beyond_the_connection_pool_is_refused(self) -> None:
        # More requests in flight than connections: they would wait on the pool and stall.
        with pytest.raises(ValidationError, match="EHP_MAX_IN_FLIGHT"):
            Settings(worker_threads=10, db_max_overflow=5, max_in_flight=16, _env_file=None)  # type: ignore[call-arg]
        assert Settings(worker_threads=10, db_max_overflow=5, max_in_flight=15, _env_file=None)  # type: ignore[call-arg]


class TestReadiness:
    @pytest.mark.usefixtures("engine")  # a migrated database: ready but for the load
    def test_a_saturated_worker_is_not_ready_until_a_slot_frees(
        self, settings: Settings, pool: ThreadPoolExecutor
    ) -> None:
        held = Held(settings, limit=2)
        with TestClient(held.app) as client:
            assert client.get("/readyz").status_code == 200
            futures = held.start(client, pool, 2)
            busy = client.get("/readyz")
            held.release.set()
            assert [f.result(timeout=10).status_code for f in futures] == [200, 200]
            ready_again = client.get("/readyz")
        assert (busy.status_code, busy.headers["content-type"]) == (503, PROBLEM)
        assert "as many requests as it can" in busy.json()["detail"]
        assert ready_again.status_code == 200
