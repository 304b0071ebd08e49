"""The service's Prometheus metrics, counted as things happen (`/metrics` serves them,
`ehp_api.web.metrics`).

With several worker processes (`PROMETHEUS_MULTIPROC_DIR` set before this module is first
imported, which `ehp-api serve` does) each process writes its values to files in that folder and a
scrape adds them up: counters and histograms over every process that ever ran, the pool's gauges
over the live ones (`livesum`; a worker that stops says so, `forget_this_process`).
"""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics, multiprocess
from sqlalchemy import event
from sqlalchemy.engine import Engine

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# A `_created` series beside every counter says when the process started counting: noise here.
disable_created_metrics()
# The route label of a request that no route took: refused before routing (shed, too large,
# NUL characters) or matching none. Paths themselves are never labels: unbounded, and a
# complaint's follow-up code travels in one.
UNMATCHED = "unmatched"

REQUESTS = Counter(
    "ehp_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "ehp_http_request_duration_seconds",
    "Time from a request's arrival to the last byte of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SHED = Counter(
    "ehp_http_requests_shed",
    "Requests refused with 503 at the in-flight limit (EHP_MAX_IN_FLIGHT, EHP_QUEUE_TIMEOUT).",
)
POOL_CHECKED_OUT = Gauge(
    "ehp_db_pool_checked_out",
    "Database connections in use (checked out of the pools), over the live worker processes.",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "ehp_db_pool_capacity",
    "Connections the pools may hand out (EHP_WORKER_THREADS + EHP_DB_MAX_OVERFLOW per process).",
    multiprocess_mode="livesum",
)
READINGS_INGESTED = Counter(
    "ehp_readings_ingested",
    "Readings stored by posts, batches and file imports (committed), by outcome.",
    ["outcome"],
)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_VARIABLE))


def watch_pool(engine: Engine) -> None:
    """Count the engine's connections in use as they are checked out and in."""
    event.listen(engine, "checkout", lambda *_: POOL_CHECKED_OUT.inc())
    event.listen(engine, "checkin", lambda *_: POOL_CHECKED_OUT.dec())


def forget_this_process() -> None:
    """A stopping worker's live gauges leave the sums (a killed one's stay until the restart)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())


def readings_ingested(created: int, updated: int) -> None:
    if created:
        READINGS_INGESTED.labels("created").inc(created)
    if updated:
        READINGS_INGESTED.labels("updated").inc(updated)


@contextlib.contextmanager
def multiprocess_folder(workers: int) -> Iterator[None]:
    """Where several workers write their metrics, for as long as they serve: the operator's
    `PROMETHEUS_MULTIPROC_DIR`, emptied of a previous run's files (which would be added in), or a
    temporary folder removed at the end. One worker keeps its metrics in memory."""
    given = os.environ.get(MULTIPROCESS_VARIABLE)
    if workers == 1:
        yield
    elif given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
    else:
        with tempfile.TemporaryDirectory(prefix="ehp-metrics-") as temporary:
            os.environ[MULTIPROCESS_VARIABLE] = temporary
            try:
                yield
            finally:
                del os.environ[MULTIPROCESS_VARIABLE]
