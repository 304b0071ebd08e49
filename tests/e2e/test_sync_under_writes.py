"""A partner syncs page by page while writers, each a thread with its own HTTP client against the
running server, post, change and delete readings, move alerts and make complaints confidential;
once the writers stop, a last pass leaves the copy equal to what the server shows the partner
(docs/api.md, Sync). On PostgreSQL the writers' transactions really overlap the sync's reads."""

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.e2e import harness
from tests.sync.recipe import LISTS, Copy, own_fields, server_state, sync_pass

API = "/api/v1"
ROUNDS = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Server]:
    tmp = tmp_path_factory.mktemp("sync")
    with harness.fresh_database(tmp) as url, harness.served(tmp, url) as running:
        yield running


def _client(server: harness.Server, secret: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.Client(base_url=server.base_url + API, headers=headers, timeout=60.0)


def _ok(answer: httpx.Response) -> httpx.Response:
    # A writer may lose a race (409) or meet a busy SQLite (503): never a 5xx of another kind.
    assert answer.status_code < 500 or answer.status_code == 503, answer.text
    return answer


def write_readings(client: httpx.Client, n: int) -> None:
    period = ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2"][n % 6]
    location = ["ML0701", "ML0702", "ML0506"][n % 3]
    body = {"indicator": "1.1.1.1", "period": period, "location": location, "value": n + 1}
    posted = _ok(client.post("/readings", json=body))
    if posted.status_code in (200, 201):
        reading = posted.json()["id"]
        _ok(client.patch(f"/readings/{reading}", json={"value": n + 100}))
        if n % 3 == 0:
            _ok(client.delete(f"/readings/{reading}"))


def write_alerts(client: httpx.Client, n: int) -> None:
    body = {
        "kind": "ewrr", "category": "attack_on_civilians", "location": "ML0701",
        "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 1 + n % 5,
        "affected_group": "idps", "affected_people": 10 + n, "narrative": f"Alert {n}.",
        "external_ref": f"sync-{n}",
    }  # fmt: skip
    created = _ok(client.post("/alerts", json=body))
    if created.status_code == 201 and n % 2 == 0:
        step = {"to": "shared", "on": "2021-05-04"}
        _ok(client.post(f"/alerts/{created.json()['id']}/transitions", json=step))


def write_complaints(client: httpx.Client, n: int) -> None:
    body = {
        "channel": "hotline", "category": "assistance_complaint", "received_on": "2021-05-03",
        "location": "ML0506", "description": f"Complaint {n}.", "organisation_concerned": "HCR",
        "language": "ff",
    }  # fmt: skip
    created = _ok(client.post("/complaints", json=body))
    if created.status_code == 201:
        complaint = created.json()["id"]
        change = {"sensitive": True} if n % 3 == 0 else {"programme": f"Programme {n}"}
        _ok(client.patch(f"/complaints/{complaint}", json=change))


def next_pass(client: httpx.Client, copy: Copy, since: str | None) -> str:
    """A pass in pages of 3 (the client's base URL holds the API's prefix): the next `since`."""
    return sync_pass(client, copy, since, api="", page_size=3)[0]


def test_a_partner_syncing_while_others_write_ends_with_what_the_server_shows(
    server: harness.Server,
) -> None:
    partner = harness.cli_key(server, "HCR", "partner")
    writers: list[Callable[[httpx.Client, int], None]] = [
        write_readings,
        write_alerts,
        write_complaints,
    ]
    failures: list[BaseException] = []

    def run(write: Callable[[httpx.Client, int], None]) -> None:
        with _client(server, partner) as client:
            try:
                for n in range(ROUNDS):
                    write(client, n)
            except BaseException as error:  # reported by the test, not lost in a thread
                failures.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in writers]
    copy: Copy = {kind: {} for kind in LISTS}
    passes_during = 0
    with _client(server, partner) as syncer:
        since = next_pass(syncer, copy, None)
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            since = next_pass(syncer, copy, since)
            passes_during += 1
        for thread in threads:
            thread.join()
        since = next_pass(syncer, copy, since)  # the last pass, after the writers stopped
        shown = server_state(syncer, api="")

    assert not failures, failures
    assert passes_during >= 1, "the writers finished before a pass ran beside them"
    assert own_fields(copy) == own_fields(shown)
    assert all(copy.values()), "each list holds records the writers made"
