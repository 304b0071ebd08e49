"""Small helpers shared by the router tests."""

import threading
from collections.abc import Callable
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event, func, select, text

from ehp_api.audit.models import AuditEvent


def all_items(
    client: httpx.Client, url: str, limit: int = 500, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated list, following `next_cursor`."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": limit, **params}
    while True:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


def statements_of(engine: Engine, call: Callable[[], Any]) -> list[str]:
    """The SQL statements `call` runs, but the test's own savepoints (an N+1 guard compares
    their number for little and much data)."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [s for s in seen if not s.startswith(("SAVEPOINT", "RELEASE"))]


def codes(items: list[dict[str, Any]], key: str = "code") -> list[str]:
    return [item[key] for item in items]


def run_together(n: int, call: Callable[[TestClient], Any], app: FastAPI, secret: str) -> list[Any]:
    """`call` in `n` threads released at once, each with its own client (so its own requests,
    sessions and transactions, as with real callers); the results in thread order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        with TestClient(app, headers={"Authorization": f"Bearer {secret}"}) as client:
            barrier.wait()
            results[i] = call(client)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def last_audit_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()


def erase_committed_audit(engine: Engine, after_id: int) -> None:
    """Remove the audit events a test committed outside the rolled-back test transaction, so that
    later tests listing the audit log do not see them. The log's append-only triggers refuse the
    delete; a replication-role session (PostgreSQL, superuser) skips triggers for this one
    transaction."""
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(delete(AuditEvent).where(AuditEvent.id > after_id))


def mail_subject(message: Message) -> str:
    """The subject decoded (RFC 2047, for non-ASCII) and unfolded, as a mail client shows it."""
    return " ".join(str(make_header(decode_header(message["Subject"]))).split())


def mail_text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()
