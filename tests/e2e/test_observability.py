"""What an operator reads, from outside: `ehp-api serve --workers 2` writes JSON log lines, in
which a request's id is in its access line and in the app's lines it caused; `/metrics` answers
the scraper only, with the two workers' counts added up, the requests shed at the in-flight limit
and the pool."""

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e._server import Server, serve

TOKEN = "e2e-scraper-token-0123456789abcdefghij"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
ALERT = {
    "kind": "ewrr", "category": "attack_on_civilians", "location": "ML0701",
    "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 3,
    "affected_group": "idps", "affected_people": 120,
}  # fmt: skip
WORKERS = 2
POOL_PER_WORKER = 20 + 5  # EHP_WORKER_THREADS + EHP_DB_MAX_OVERFLOW, their defaults


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("observed")
    with serve(
        folder,
        workers=str(WORKERS),
        log_level="info",
        metrics_token=TOKEN,
        max_in_flight="1",
        queue_timeout="0",
        sqlite_busy_timeout_ms="200",
    ) as running:
        yield running


def log_lines(server: Server) -> list[dict[str, Any]]:
    text = (server.directory / "serve.log").read_text(errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def lines_of(server: Server, request_id: str, until_logger: str) -> list[dict[str, Any]]:
    """The request's lines, once its line from `until_logger` is written (the answer reaches the
    client just before its access line reaches the log)."""
    deadline = time.monotonic() + 10
    while True:
        mine = [line for line in log_lines(server) if line["request_id"] == request_id]
        if any(line["logger"] == until_logger for line in mine) or time.monotonic() > deadline:
            return mine
        time.sleep(0.1)


def samples(server: Server) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(f"{server.base_url}/metrics", headers=SCRAPER, timeout=10)
    assert response.status_code == 200, response.text
    return {
        (found.name, frozenset(found.labels.items())): found.value
        for family in text_string_to_metric_families(response.text)
        for found in family.samples
    }


def value(server: Server, name: str, **labels: str) -> float:
    return samples(server).get((name, frozenset(labels.items())), 0.0)


def test_the_log_is_json_lines_and_a_request_id_follows_its_lines(server: Server) -> None:
    key = server.api_key("HCR", "partner", "HCR observed")
    # Another process holds SQLite's write lock past the busy timeout: the write is refused, and
    # the app says so in its log, for this request.
    holder = sqlite3.connect(server.directory / "ehp.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        refused = httpx.post(
            f"{server.base_url}/api/v1/alerts",
            json=ALERT,
            headers={"Authorization": f"Bearer {key}", "X-Request-ID": "e2e-trace-0001"},
            timeout=30,
        )
    finally:
        holder.rollback()
        holder.close()
    assert refused.status_code == 503, refused.text
    mine = lines_of(server, "e2e-trace-0001", until_logger="ehp_api.access")
    assert [(line["logger"], line["level"]) for line in mine] == [
        ("ehp_api.core.errors", "warning"),
        ("ehp_api.access", "info"),
    ]
    access = mine[1]
    assert (access["method"], access["path"], access["status"]) == ("POST", "/api/v1/alerts", 503)
    assert (access["principal"], access["organisation"]) == ("api_key", "HCR")
    assert access["key_prefix"] == key[: len("ehpk_") + 8]
    text = (server.directory / "serve.log").read_text(errors="replace")
    assert key[len(access["key_prefix"]) :] not in text
    assert "HTTP/1.1" not in text  # uvicorn's own access lines are off
    assert any(line["logger"].startswith("uvicorn") for line in log_lines(server))


def test_metrics_answer_the_scraper_only(server: Server) -> None:
    key = server.api_key("OCHA", "admin", "an admin is no scraper")
    for headers in ({}, {"Authorization": f"Bearer {key}"}, {"Authorization": "Bearer nope"}):
        refused = httpx.get(f"{server.base_url}/metrics", headers=headers, timeout=10)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{server.base_url}/metrics", headers=SCRAPER).status_code == 200


def test_the_workers_counts_add_up(server: Server) -> None:
    before = value(server, "ehp_http_requests_total", method="GET", route="/healthz", status="200")
    for _ in range(30):
        assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200
    for _ in range(5):  # whichever worker is scraped, it adds up both
        after = value(
            server, "ehp_http_requests_total", method="GET", route="/healthz", status="200"
        )
        assert after == before + 30
        assert value(server, "ehp_db_pool_capacity") == WORKERS * POOL_PER_WORKER
        assert value(server, "ehp_db_pool_checked_out") >= 0


def test_a_flood_is_shed_and_counted(server: Server) -> None:
    key = server.api_key("HCR", "partner", "HCR flood")
    auth = {"Authorization": f"Bearer {key}"}
    shed_before = value(server, "ehp_http_requests_shed_total")
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def ask() -> None:
        response = httpx.get(f"{server.base_url}/api/v1/activities", headers=auth, timeout=30)
        kind = response.json().get("type", "") if response.status_code == 503 else ""
        with lock:
            statuses.append((response.status_code, kind))

    threads = [threading.Thread(target=ask) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    overloaded = statuses.count((503, "/problems/overloaded"))
    assert overloaded > 0, statuses
    assert {status for status, _ in statuses} <= {200, 503}
    assert value(server, "ehp_http_requests_shed_total") == shed_before + overloaded
    answered = value(
        server, "ehp_http_requests_total", method="GET", route="unmatched", status="503"
    )
    assert answered >= overloaded
