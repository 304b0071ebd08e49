"""Against a served instance, over raw sockets: clients that send a request's headers and part
of its body, then stall, hold no request slot and are dropped at their deadline."""

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e import harness

STALLED = 20
SLOTS = 4
DEADLINE_S = 3


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Server]:
    tmp: Path = tmp_path_factory.mktemp("slow")
    settings = {"EHP_MAX_IN_FLIGHT": str(SLOTS), "EHP_BODY_TIMEOUT_SECONDS": str(DEADLINE_S)}
    with harness.fresh_database(tmp) as url, harness.served(tmp, url, **settings) as running:
        yield running


def stall(server: harness.Server, key: str) -> socket.socket:
    """A POST whose body is announced at 1,000 bytes, of which 10 are sent."""
    host, port = server.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=DEADLINE_S * 5)
    head = (
        f"POST /api/v1/alerts HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"title": ')
    return sock


def answer(sock: socket.socket) -> tuple[int, bytes]:
    reply = b""
    while data := sock.recv(65536):  # the server closes the connection after its answer
        reply += data
    return int(reply.split(b" ", 2)[1]), reply


def test_stalled_bodies_take_no_slot_and_are_dropped_at_their_deadline(
    slow_server: harness.Server,
) -> None:
    key = harness.cli_key(slow_server, "HCR", "partner")
    auth = {"Authorization": f"Bearer {key}"}
    sockets = [stall(slow_server, key) for _ in range(STALLED)]
    try:
        time.sleep(0.5)  # every stalled request is now waiting for its body
        served = [
            httpx.get(f"{slow_server.base_url}/api/v1/strategy", headers=auth, timeout=5)
            for _ in range(SLOTS * 2)
        ]
        ready = httpx.get(f"{slow_server.base_url}/readyz", timeout=5)
        started = time.monotonic()
        answers = [answer(sock) for sock in sockets]
        waited = time.monotonic() - started
    finally:
        for sock in sockets:
            sock.close()
    assert [r.status_code for r in served] == [200] * (SLOTS * 2)
    assert ready.status_code == 200
    # Arriving together, some may be refused at the door (503) as any burst is, where requests
    # do not queue (EHP_QUEUE_TIMEOUT 0, PostgreSQL's default); every other is dropped at its
    # deadline, and none is left hanging.
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {408, 503}
    assert statuses.count(408) >= SLOTS
    timed_out = [reply for status, reply in answers if status == 408]
    assert all(b"connection: close" in reply.lower() for reply in timed_out)
    problem = json.loads(timed_out[0].split(b"\r\n\r\n", 1)[1])
    assert "EHP_BODY_TIMEOUT_SECONDS" in problem["detail"]
    assert waited < DEADLINE_S * 2
