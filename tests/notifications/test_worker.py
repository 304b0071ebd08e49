"""The worker: a worker killed while sending loses nothing (the delivery is sent again, with the
same id, once its claim lapses); several workers on PostgreSQL share the outbox without sending
anything twice; retries back off."""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.notifications import worker
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.e2e.harness import user_environment
from tests.notifications.conftest import Live, eventually
from tests.notifications.test_webhooks import record, refer, settled


def start_worker_process(live: Live) -> subprocess.Popen[bytes]:
    """`ehp-api worker` as an operator starts it, in a process of its own."""
    env = user_environment(
        EHP_DATABASE_URL=live.settings.database_url,
        EHP_ENVIRONMENT="test",
        EHP_WORKER_POLL_SECONDS="0.1",
        EHP_WORKER_LEASE_SECONDS="5",
        EHP_WEBHOOK_TIMEOUT_SECONDS="20",
        EHP_WEBHOOK_ALLOW_PRIVATE_NETWORKS="true",
        EHP_WEBHOOK_ALLOW_HTTP="true",
        EHP_ENCRYPTION_KEY=TEST_ENCRYPTION_KEY,  # it opens the secrets it signs with
        PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"),
    )
    command = [str(Path(sys.executable).parent / "ehp-api"), "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_worker_killed_mid_delivery_loses_nothing(live: Live) -> None:
    live.stop_worker()
    hcr, unicef = live.key(Role.partner, "HCR"), live.key(Role.partner, "UNICEF")
    held = threading.Event()
    receiver = live.receiver(hold=held)
    subscription = live.subscribe(unicef, receiver, "complaint.referred")
    refer(live, hcr, record(live, hcr), "UNICEF")
    process = start_worker_process(live)
    try:
        eventually(lambda: receiver.received, timeout=60)  # it is sending, and waits for an answer
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    held.set()

    live.start_worker()  # another worker: the claim lapses, and the delivery is sent again
    first, again = eventually(lambda: len(receiver.received) >= 2 and receiver.received, 30)
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert again.body == first.body
    Webhook(subscription["secret"]).verify(again.body, again.headers)
    eventually(lambda: settled(live))
    log = live.client.get(f"/api/v1/webhooks/{subscription['id']}/deliveries", headers=unicef)
    [row] = log.json()["items"]
    assert (row["status"], row["attempts"]) == ("delivered", 2)


def test_several_workers_share_the_outbox_and_send_each_event_once(live: Live) -> None:
    if live.engine.dialect.name != "postgresql":
        pytest.skip("one worker on SQLite: its writers take turns")
    hcr, unicef = live.key(Role.partner, "HCR"), live.key(Role.partner, "UNICEF")
    receiver = live.receiver()
    live.subscribe(unicef, receiver, "complaint.referred")
    others = [
        threading.Thread(target=worker.run, args=(live.engine, live.settings, live.stop))
        for _ in range(3)
    ]
    for thread in others:
        thread.start()
    try:
        for _ in range(30):
            refer(live, hcr, record(live, hcr), "UNICEF")
        eventually(lambda: len(receiver.received) >= 30, timeout=60)
        eventually(lambda: settled(live))
    finally:
        live.stop.set()
        for thread in others:
            thread.join(30)
    ids = Counter(r.headers["webhook-id"] for r in receiver.received)
    assert len(ids) == 30
    assert set(ids.values()) == {1}


def test_retries_back_off_doubling_up_to_six_hours() -> None:
    settings = Settings(webhook_retry_seconds=30, _env_file=None)
    waits = [worker.backoff(settings, n).total_seconds() for n in (1, 2, 3, 12)]
    assert waits == [30, 60, 120, 6 * 3600]
