"""Two server processes on one database: a change made through one is served by the other at once,
and a command-line touch empties both snapshots (the stamp lives in the database)."""

import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e import harness


@pytest.fixture
def second_worker(
    server: harness.Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Another `ehp-api serve` on the same database, as another worker or VM would be."""
    port = harness.free_port()
    log = tmp_path_factory.mktemp("second") / "server.log"
    env = server.env | {"EHP_PORT": str(port)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [".venv/bin/ehp-api", "serve"],
            cwd=harness.REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    other = harness.Server(f"http://127.0.0.1:{port}", env, server.home, process, log)
    try:
        harness.wait_ready(other)
        yield other.base_url
    finally:
        harness.stop(process)


def test_a_change_on_one_worker_is_served_by_the_other(
    server: harness.Server, second_worker: str
) -> None:
    admin = {"Authorization": f"Bearer {harness.cli_key(server, 'OCHA', 'admin')}"}
    path = "/api/v1/organisations/UNICEF"
    first = httpx.get(second_worker + path, headers=admin)
    again = httpx.get(second_worker + path, headers=admin)  # now kept by the second worker
    assert again.headers["ETag"] == first.headers["ETag"]
    changed = httpx.patch(
        server.base_url + path, headers=admin, json={"description": "Mopti sub-office"}
    )
    assert changed.status_code == 200, changed.text
    after = httpx.get(second_worker + path, headers=admin)
    assert after.json()["description"] == "Mopti sub-office"
    assert after.headers["ETag"] != first.headers["ETag"]


def test_a_period_locked_on_one_worker_refuses_writes_on_the_other(
    server: harness.Server, second_worker: str
) -> None:
    """The second worker has kept what readings are checked against (a reading it accepted);
    the lock taken through the first is seen by its next write, and the unlock too."""
    partner = {"Authorization": f"Bearer {harness.cli_key(server, 'HCR', 'partner')}"}
    secretariat = {"Authorization": f"Bearer {harness.cli_key(server, 'OCHA', 'secretariat')}"}
    reading = {"indicator": "1.1.1.1", "period": "2022Q1", "location": "ML0701", "value": 2}
    posted = httpx.post(second_worker + "/api/v1/readings", headers=partner, json=reading)
    assert posted.status_code == 201, posted.text
    locked = httpx.post(
        server.base_url + "/api/v1/periods/2022Q1/lock", headers=secretariat, json={}
    )
    assert locked.status_code == 200, locked.text
    again = reading | {"value": 3}
    refused = httpx.post(second_worker + "/api/v1/readings", headers=partner, json=again)
    assert refused.status_code == 409, refused.text
    assert [e["code"] for e in refused.json()["errors"]] == ["period_locked"]
    unlocked = httpx.post(server.base_url + "/api/v1/periods/2022Q1/unlock", headers=secretariat)
    assert unlocked.status_code == 200, unlocked.text
    accepted = httpx.post(second_worker + "/api/v1/readings", headers=partner, json=again)
    assert accepted.status_code == 200, accepted.text


def test_touch_reference_is_a_command_an_operator_runs(server: harness.Server) -> None:
    result = subprocess.run(
        [".venv/bin/ehp-api", "db", "touch-reference"],
        cwd=harness.REPO,
        env=server.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # A user's shell whose locale names no language (the suite's C.UTF-8): the deployment's French.
    assert result.stdout.startswith("version des données de référence : ")
