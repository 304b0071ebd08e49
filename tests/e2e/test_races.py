"""State under races, from outside: real threads, each with its own HTTP client, against the
running server (PostgreSQL when EHP_TEST_DATABASE_URL names one, where transactions really
overlap; SQLite serialises every write, where the same invariants must hold too).

Each race is run many times, its callers released together by a barrier, and asserts the
invariant, not one interleaving: the validated value is the one the validator saw; one winner;
no contradictory state; nothing written into a period after its lock answered.
"""

import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.e2e import harness

TRIALS = 40
API = "/api/v1"
TIMEOUT = 60.0
Call = Callable[[httpx.Client], httpx.Response]
ACCEPT = {"to": "accepted"}
REJECT = {"to": "rejected", "reason": "Not our sector."}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Server]:
    """A server and database of these tests' own: the races leave many readings, complaints,
    rules and locks behind, which the other outside-in tests must not meet."""
    tmp = tmp_path_factory.mktemp("races")
    with harness.fresh_database(tmp) as url, harness.served(tmp, url) as running:
        yield running


@pytest.fixture(scope="module")
def keys(server: harness.Server) -> dict[str, str]:
    return {
        "partner": harness.cli_key(server, "HCR", "partner"),
        "receiver": harness.cli_key(server, "UNICEF", "partner"),
        "secretariat": harness.cli_key(server, "OCHA", "secretariat"),
    }


@pytest.fixture(scope="module")
def clients(server: harness.Server, keys: dict[str, str]) -> Iterator[dict[str, httpx.Client]]:
    made = {role: _client(server, secret) for role, secret in keys.items()}
    yield made
    for client in made.values():
        client.close()


def _client(server: harness.Server, secret: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.Client(base_url=server.base_url + API, headers=headers, timeout=TIMEOUT)


def race(server: harness.Server, calls: list[tuple[str, Call]], keys: dict[str, str]) -> list[Any]:
    """Each call in its own thread with its own client (its own connection, request and
    transaction), all released at once; the responses in the calls' order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(index: int, role: str, call: Call) -> None:
        with _client(server, keys[role]) as client:
            barrier.wait()
            try:
                answers[index] = call(client)
            except httpx.HTTPError as error:  # an answer the test reports, not a hung thread
                answers[index] = error

    threads = [
        threading.Thread(target=run, args=(i, role, call)) for i, (role, call) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def statuses(answers: list[Any]) -> list[int | str]:
    return [a.status_code if isinstance(a, httpx.Response) else repr(a) for a in answers]


def _places(clients: dict[str, httpx.Client]) -> list[str]:
    """Every P-code a reading can name (regions and cercles), for readings of their own."""
    found = clients["partner"].get("/locations", params={"limit": 500})
    assert found.status_code == 200, found.text
    return [item["pcode"] for item in found.json()["items"]]


def _reading(partner: httpx.Client, period: str, place: str, value: int) -> dict[str, Any]:
    body = {"indicator": "1.1.1.1", "period": period, "location": place, "value": value}
    posted = partner.post("/readings", json=body)
    assert posted.status_code in (200, 201), posted.text
    return posted.json()


def test_a_validated_value_is_the_one_the_validator_saw(
    server: harness.Server, keys: dict[str, str], clients: dict[str, httpx.Client]
) -> None:
    """The validator sends back the ETag of what they read: a partner's PATCH that lands first
    makes the validate a 412; one that lands after is refused (the reading is frozen)."""
    violations, outcomes, untagged = [], [], 0
    for trial, place in enumerate(_places(clients)[:TRIALS]):
        reading = _reading(clients["partner"], "2021Q3", place, 4 + trial)
        seen = clients["secretariat"].get(f"/readings/{reading['id']}")
        assert seen.status_code == 200, seen.text
        untagged += "ETag" not in seen.headers
        url = f"/readings/{reading['id']}"
        answers = race(
            server,
            [
                ("partner", lambda c, u=url: c.patch(u, json={"value": 1000})),
                (
                    "secretariat",
                    lambda c, u=url, tag=seen.headers.get("ETag", '"?"'): c.post(
                        f"{u}/validate", headers={"If-Match": tag}
                    ),
                ),
            ],
            keys,
        )
        final = clients["secretariat"].get(url).json()
        outcome = (*statuses(answers), final["status"], final["value"], final["validated_value"])
        outcomes.append(outcome)
        validated_other = (
            final["status"] == "validated"
            and (
                final["value"],
                final["validated_value"],
            )
            != (seen.json()["value"],) * 2
        )
        if validated_other or statuses(answers) == [200, 200]:
            violations.append(outcome)
    assert not violations, f"{len(violations)} of {len(outcomes)} trials: {violations[:5]}"
    assert not untagged, f"{untagged} readings were served without an ETag"
    # Only the two orders, each refusing the loser in its own way.
    assert {o[:2] for o in outcomes} <= {(200, 412), (409, 200)}, outcomes


def test_ten_validates_of_one_reading_have_one_winner(
    server: harness.Server, keys: dict[str, str], clients: dict[str, httpx.Client]
) -> None:
    losers: list[list[int | str]] = []
    for place in _places(clients)[:30]:
        reading = _reading(clients["partner"], "2021Q4", place, 7)
        url = f"/readings/{reading['id']}/validate"
        answers = race(server, [("secretariat", lambda c, u=url: c.post(u))] * 10, keys)
        codes = statuses(answers)
        history = clients["secretariat"].get(f"/readings/{reading['id']}/history").json()
        validations = [h for h in history if h["event"] == "validated"]
        if sorted(codes, key=str) != [200] + [409] * 9 or len(validations) != 1:
            losers.append([*codes, f"{len(validations)} validations in history"])
    assert not losers, f"{len(losers)} of 30 trials without one winner: {losers[:3]}"


def _referred_complaint(clients: dict[str, httpx.Client]) -> int:
    body = {
        "channel": "hotline",
        "category": "assistance_complaint",
        "received_on": time.strftime("%Y-%m-%d", time.gmtime()),
        "location": "ML0506",
        "description": "Households left off the distribution list.",
        "organisation_concerned": "UNICEF",
        "language": "ff",
    }
    created = clients["partner"].post("/complaints", json=body)
    assert created.status_code == 201, created.text
    complaint_id = created.json()["id"]
    due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 14 * 86400))
    step = {"to": "referred", "organisation": "UNICEF", "due_on": due}
    referred = clients["partner"].post(f"/complaints/{complaint_id}/transitions", json=step)
    assert referred.status_code == 200, referred.text
    return int(complaint_id)


def test_concurrent_complaint_steps_leave_one_consistent_state(
    server: harness.Server, keys: dict[str, str], clients: dict[str, httpx.Client]
) -> None:
    """The organisation it is referred to accepts and rejects at once: one step wins, the other
    is a 409, and the complaint is accepted by UNICEF or back with its sender, never between."""
    broken = []
    for _ in range(TRIALS):
        complaint_id = _referred_complaint(clients)
        url = f"/complaints/{complaint_id}/transitions"
        answers = race(
            server,
            [
                ("receiver", lambda c, u=url: c.post(u, json=ACCEPT)),
                ("receiver", lambda c, u=url: c.post(u, json=REJECT)),
            ],
            keys,
        )
        final = clients["secretariat"].get(f"/complaints/{complaint_id}").json()
        steps = clients["secretariat"].get(f"/complaints/{complaint_id}/timeline").json()
        consistent = (final["status"], final["referred_to"] is not None) in {
            ("accepted", True),
            ("rejected", False),
        }
        after_referral = [s["to_status"] for s in steps][2:]
        # The organisation a rejected referral left no longer sees it: 404, not 409.
        loser = 404 if final["status"] == "rejected" else 409
        if (
            sorted(statuses(answers), key=str) not in ([200, 409], [200, loser])
            or not consistent
            or (after_referral != [final["status"]])
        ):
            broken.append((statuses(answers), final["status"], final["referred_to"], steps))
    assert not broken, f"{len(broken)} of {TRIALS} trials: {broken[:2]}"


SUMMED = ("1.1.1.1", "1.1.1.2", "1.2.5.1")  # counts each partner reports for itself


def _rows(places: list[str], period: str, value: int) -> list[dict[str, Any]]:
    """A batch long enough to be still running when the lock comes: every place, three counts."""
    return [
        {"indicator": code, "period": period, "location": place, "value": value}
        for code in SUMMED
        for place in places
    ]


def _values(clients: dict[str, httpx.Client], period: str) -> dict[int, Any]:
    listed = clients["secretariat"].get(
        "/readings", params={"period": period, "organisation": "HCR", "limit": 500}
    )
    assert listed.status_code == 200, listed.text
    return {r["id"]: (r["value"], r["updated_at"]) for r in listed.json()["items"]}


def test_a_batch_writes_nothing_into_a_period_after_its_lock_answered(
    server: harness.Server, keys: dict[str, str], clients: dict[str, httpx.Client]
) -> None:
    """A batch in flight when the period is locked either commits before the lock answers, or
    is refused: the readings seen just after the lock answered are the final ones."""
    period, places = "2022Q1", _places(clients)
    secretariat = clients["secretariat"]
    late, written = [], 0
    started = time.monotonic()
    first = clients["partner"].post("/readings/batch", json={"readings": _rows(places, period, 99)})
    assert first.status_code == 200, first.text
    took = time.monotonic() - started  # the lock comes while a batch like this one runs
    for trial in range(30):
        assert secretariat.post(f"/periods/{period}/unlock").status_code == 200
        rows = _rows(places, period, 100 + trial)
        seen_after_lock: dict[int, Any] = {}

        def batch(client: httpx.Client, body: Any = rows) -> httpx.Response:
            return client.post("/readings/batch", json={"readings": body})

        def lock(client: httpx.Client, seen: dict[int, Any] = seen_after_lock) -> httpx.Response:
            time.sleep(random.uniform(0.1, 0.9) * took)  # the batch is already running
            answer = client.post(f"/periods/{period}/lock", json={"reason": "dashboard sent"})
            seen.update(_values(clients, period))
            return answer

        answers = race(server, [("partner", batch), ("secretariat", lock)], keys)
        final = _values(clients, period)
        assert statuses(answers)[0] in (200, 409), answers[0].text
        written += statuses(answers)[0] == 200
        # The server's own clock: no reading of the period changed after the lock was taken.
        locked_at = answers[1].json()["lock"]["locked_at"]
        after = [k for k, (_, updated_at) in final.items() if _utc(updated_at) > _utc(locked_at)]
        if statuses(answers)[1] != 200 or final != seen_after_lock or after:
            changed = {k for k in final if final[k] != seen_after_lock.get(k)}
            late.append(
                (statuses(answers), f"{len(changed)} readings changed after the lock answered, "
                 f"{len(after)} updated after it was taken")
            )  # fmt: skip
    secretariat.post(f"/periods/{period}/unlock")
    assert not late, f"{len(late)} of 30 trials: {late[:3]}"
    assert written, "no batch ran before the lock: the race was never run"


def _utc(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _problem_names(answer: httpx.Response, field: str) -> bool:
    body = answer.json()
    return (
        answer.headers["content-type"] == "application/problem+json"
        and body["status"] == 409
        and field in [e["field"] for e in body.get("errors", [])]
    )


def test_concurrent_creations_of_one_trigger_rule_are_one_201_and_409s(
    server: harness.Server, keys: dict[str, str]
) -> None:
    wrong = []
    for trial in range(20):
        body = {
            "code": f"race_rule_{trial}",
            "kind": "severity",
            "description": "Fires at severity 4.",
            "min_severity": 4,
        }
        answers = race(
            server, [("secretariat", lambda c, b=body: c.post("/trigger-rules", json=b))] * 8, keys
        )
        codes = sorted(statuses(answers), key=str)
        refused = [a for a in answers if isinstance(a, httpx.Response) and a.status_code == 409]
        if codes != [201] + [409] * 7 or not all(_problem_names(a, "code") for a in refused):
            wrong.append(codes)
    assert not wrong, f"{len(wrong)} of 20 trials: {wrong[:3]}"


def test_concurrent_changes_of_one_trigger_rule_make_one_version_each(
    server: harness.Server, keys: dict[str, str], clients: dict[str, httpx.Client]
) -> None:
    answers = race(
        server,
        [("secretariat", lambda c, s=s: c.patch("/trigger-rules/severity", json={
            "description": f"Fires at severity 3 (wording {s})."}))
         for s in range(8)],
        keys,
    )  # fmt: skip
    assert statuses(answers) == [200] * 8
    versions = sorted(a.json()["version"] for a in answers)
    assert versions == list(range(versions[0], versions[0] + 8)), versions


def test_concurrent_period_locks_and_status_reports_are_never_500(
    server: harness.Server, keys: dict[str, str], clients: dict[str, httpx.Client]
) -> None:
    """A lock taken by several at once is one lock; a lead's status given twice at once is one
    row, created once and then changed."""
    bad = []
    for trial, period in enumerate(["2020Q3", "2020Q4", "2020", "2021Q1"] * 5):
        locks = race(
            server, [("secretariat", lambda c, p=period: c.post(f"/periods/{p}/lock"))] * 6, keys
        )
        clients["secretariat"].post(f"/periods/{period}/unlock")
        quarter = f"{2020 + trial % 3}Q{1 + trial // 3 % 4}"
        url = f"/activities/1.1.2/status/{quarter}"
        given = race(
            server,
            [("partner", lambda c, u=url, t=trial: c.put(u, json={
                "status": "delayed", "comment": f"trial {t}"}))] * 6,
            keys,
        )  # fmt: skip
        if statuses(locks) != [200] * 6 or sorted(statuses(given), key=str) not in (
            [200] * 5 + [201],
            [200] * 6,
        ):
            bad.append((period, statuses(locks), quarter, statuses(given)))
    assert not bad, f"{len(bad)} of 20 trials: {bad[:3]}"


def test_concurrent_target_replacements_leave_one_set(
    server: harness.Server, keys: dict[str, str], clients: dict[str, httpx.Client]
) -> None:
    url = "/indicators/1.1.1.1/targets"
    for trial in range(10):
        sets = [
            {"baselines": [], "targets": [{"year": 2021, "value": 10 * trial + s}]}
            for s in range(6)
        ]
        answers = race(
            server, [("secretariat", lambda c, b=b: c.put(url, json=b)) for b in sets], keys
        )
        assert statuses(answers) == [200] * 6
        final = clients["secretariat"].get(url).json()
        assert len(final["targets"]) == 1, final
