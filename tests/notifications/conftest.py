"""A live service for the notifications' tests: a database of its own (committed, as the worker
reads what the API committed), the app, the worker in a thread, a webhook receiver (a small HTTP
server thread) and an SMTP server (aiosmtpd), each started by the test."""

import email
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from ehp_api import seeds
from ehp_api.core import migrate
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.models import build_engine
from ehp_api.notifications import worker
from tests import builders
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.e2e.harness import free_port, fresh_database


def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """`check()`'s first truthy answer within `timeout` seconds, else the test fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answer := check():
            return answer
        time.sleep(0.05)
    pytest.fail(f"not within {timeout} s: {check}")


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def message(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """A webhook endpoint: records every POST, answers with `answers` in turn, then 200; with
    `hold` set, the first request waits for it before answering."""

    answers: list[int] = field(default_factory=list)
    hold: threading.Event | None = None
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body)
                )
                if receiver.hold is not None and len(receiver.received) == 1:
                    receiver.hold.wait(30)
                status = receiver.answers.pop(0) if receiver.answers else 200
                try:
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the worker that sent it is gone

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.message["type"] == event_type]

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@dataclass
class Live:
    settings: Settings
    engine: Engine
    client: TestClient
    mailbox: _Mailbox
    receivers: list[Receiver] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def key(self, role: Role, org: str) -> dict[str, str]:
        """Headers with a new API key of that role (the command line's way: any role)."""
        with Session(self.engine) as session, session.begin():
            return builders.bearer(builders.api_key(session, role, org))

    def user(self, email_: str, role: Role, org: str) -> None:
        with Session(self.engine) as session, session.begin():
            builders.user(session, email_, role, org)

    def receiver(
        self, answers: list[int] | None = None, hold: threading.Event | None = None
    ) -> Receiver:
        receiver = Receiver(answers or [], hold)
        self.receivers.append(receiver)
        return receiver

    def subscribe(self, headers: dict[str, str], receiver: Receiver, *types: str) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "event_types": list(types)},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def start_worker(self) -> None:
        self.stop.clear()
        self.thread = threading.Thread(
            target=worker.run, args=(self.engine, self.settings, self.stop), daemon=True
        )
        self.thread.start()

    def stop_worker(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(30)


def live_settings(database_url: str, smtp_port: int) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        rate_limit_storage="memory://",
        encryption_key=TEST_ENCRYPTION_KEY,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_tls="none",
        smtp_sender="ehp-api@ocha.example",
        worker_poll_seconds=0.1,
        worker_lease_seconds=5,
        webhook_timeout_seconds=3,
        webhook_retry_seconds=0.5,
        # The receivers the tests start listen on 127.0.0.1, in plain http.
        webhook_allow_private_networks=True,
        webhook_allow_http=True,
        _env_file=None,
    )


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One database, app and SMTP server per module (migrating and seeding take seconds)."""
    tmp: Path = tmp_path_factory.mktemp("live")
    mailbox = _Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    with fresh_database(tmp) as url:
        settings = live_settings(url, smtp.port)
        engine = build_engine(settings)
        migrate.upgrade(url)
        with Session(engine) as session, session.begin():
            seeds.load_all(session)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Live(settings, engine, client, mailbox)
        engine.dispose()
    smtp.stop()


@pytest.fixture
def live(live_service: Live) -> Iterator[Live]:
    """The live service with its worker running; the test's receivers and subscriptions go at
    its end (the subscriptions paused, so later tests' events are not sent to closed ports)."""
    live_service.mailbox.messages.clear()
    live_service.start_worker()
    yield live_service
    live_service.stop_worker()
    # Nothing of this test left for the next one's worker (a new receiver may get an old port).
    with live_service.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE webhook_subscriptions SET active = false")
        connection.exec_driver_sql("UPDATE event_deliveries SET status = 'failed'")
        connection.exec_driver_sql(
            "UPDATE outbox_events SET dispatched_at = occurred_at WHERE dispatched_at IS NULL"
        )
    for receiver in live_service.receivers:
        receiver.close()
    live_service.receivers.clear()
