"""Against the running server, over raw sockets: a body is not read before its sender is
authenticated, nor past its operation's limit. The client sends the headers and a first slice of
a huge body, then waits for the answer: the server must answer without waiting for the rest."""

import json
import socket
from collections.abc import Iterator

import pytest

from tests.e2e import harness

HUGE = 60 * 2**20
SLICE = 64 * 1024
BATCH = "/api/v1/readings/batch"
ALERTS = "/api/v1/alerts"


@pytest.fixture(scope="module")
def key(server: harness.Server) -> str:
    return harness.cli_key(server, "HCR", "partner")


def post_head(server: harness.Server, path: str, length: int | None, token: str | None) -> bytes:
    host = server.base_url.removeprefix("http://")
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{auth}{framing}\r\n\r\n"
    ).encode()


def answer_to(
    server: harness.Server, head: bytes, chunks: Iterator[bytes], timeout: float = 10
) -> tuple[int, dict[str, str], dict[str, object], int]:
    """Send the head and the chunks until the server answers; its status, headers, problem,
    and how many body bytes had been sent by then."""
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head)
        sent = 0
        sock.setblocking(False)
        for chunk in chunks:
            try:
                reply = sock.recv(65536)
            except BlockingIOError:
                reply = b""
            if reply:
                break
            try:
                sock.sendall(chunk)
            except BlockingIOError:
                break  # the server has stopped reading: its answer is on the way
            except OSError:
                break
            sent += len(chunk)
        sock.settimeout(timeout)
        reply = _read_answer(sock, reply)
    status_line, _, rest = reply.partition(b"\r\n")
    raw_headers, _, body = rest.partition(b"\r\n\r\n")
    headers = dict(
        line.decode().lower().split(": ", 1) for line in raw_headers.split(b"\r\n") if line
    )
    return int(status_line.split()[1]), headers, json.loads(body), sent


def _read_answer(sock: socket.socket, reply: bytes) -> bytes:
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        data = sock.recv(65536)
        if not data:
            break
        reply += data
    return reply


def json_slices(total: int) -> Iterator[bytes]:
    """A JSON body of `total` bytes, in slices (its first bytes open a valid batch)."""
    opening = b'{"readings": [], "padding": "'
    yield opening
    for _ in range((total - len(opening)) // SLICE):
        yield b"x" * SLICE


def chunked(slices: Iterator[bytes]) -> Iterator[bytes]:
    for piece in slices:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"


@pytest.mark.parametrize("path", [BATCH, ALERTS])
def test_a_huge_body_without_credentials_is_refused_before_it_is_read(
    server: harness.Server, path: str
) -> None:
    status, headers, problem, sent = answer_to(
        server, post_head(server, path, HUGE, None), json_slices(HUGE)
    )
    assert (status, headers["content-type"]) == (401, "application/problem+json")
    assert headers["connection"] == "close"
    assert problem["status"] == 401
    assert sent < HUGE // 10  # answered long before the body could have been read


def test_a_huge_body_with_a_wrong_key_is_refused_before_it_is_read(
    server: harness.Server,
) -> None:
    head = post_head(server, BATCH, HUGE, "ehpk_00000000_not-a-key")
    status, _, problem, sent = answer_to(server, head, json_slices(HUGE))
    assert (status, problem["status"]) == (401, 401)
    assert sent < HUGE // 10


def test_a_declared_body_over_the_operations_limit_is_refused_unread(
    server: harness.Server, key: str
) -> None:
    # 2 MB: within a batch's limit, over every other operation's (1 MB by default).
    size = 2 * 2**20
    status, _, problem, sent = answer_to(
        server, post_head(server, ALERTS, size, key), json_slices(size)
    )
    assert status == 413
    [error] = problem["errors"]  # type: ignore[misc]
    assert (error["field"], error["code"]) == ("body", "too_large")
    assert "EHP_MAX_BODY_BYTES" in error["reason"]
    assert sent < size


def test_a_streamed_body_stops_being_read_past_the_operations_limit(
    server: harness.Server, key: str
) -> None:
    head = post_head(server, ALERTS, None, key)
    status, headers, problem, sent = answer_to(server, head, chunked(json_slices(HUGE)))
    assert (status, headers["connection"]) == (413, "close")
    assert problem["status"] == 413
    assert sent < HUGE // 10


def test_the_reading_batch_keeps_its_larger_limit(server: harness.Server, key: str) -> None:
    size = 2 * 2**20
    body = b'{"readings": [], "padding": "' + b"x" * size + b'"}'
    head = post_head(server, BATCH + "?dry_run=true", len(body), key)
    status, _, problem, _ = answer_to(server, head, iter([body]))
    # Read whole and judged on its content (an unknown field), not refused for its size.
    assert status != 413, problem
