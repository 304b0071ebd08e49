"""`If-Match` is held against the record as committed: every write that takes the header locks
the record's rows before it compares tags, in the transaction that then writes. So writes that
send the same tag at once are one success and 412s, never two successes where the second
silently overwrites the first (PostgreSQL, where transactions overlap; SQLite serializes
writers, and the same must hold there)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, orm
from sqlmodel import Session

from ehp_api import seeds
from ehp_api.core import migrate
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.models import build_engine
from tests import builders
from tests.alerts.conftest import create as create_alert
from tests.alerts.conftest import step
from tests.complaints.conftest import BASE as COMPLAINTS
from tests.complaints.conftest import create as create_complaint
from tests.e2e.harness import fresh_database
from tests.helpers import run_together
from tests.readings.conftest import count_reading
from tests.test_if_match import CASES, Case, _stale, _tagged, _write

Clients = Callable[..., TestClient]
STALE = {"If-Match": '"a-version-nobody-read"'}
RACERS = 6


def _reading(hcr: TestClient) -> str:
    response = hcr.post("/api/v1/readings", json=count_reading())
    assert response.status_code == 201, response.text
    return f"/api/v1/readings/{response.json()['id']}"


def _validated_reading(hcr: TestClient, ocha: TestClient) -> str:
    url = _reading(hcr)
    assert ocha.post(f"{url}/validate").status_code == 200
    return url


@dataclass
class Write:
    """A write taking `If-Match`: who sends it, `make(hcr, ocha, admin)` its URL and body, and
    the table whose row it must lock before comparing."""

    role: Role
    method: str
    make: Callable[[TestClient, TestClient, TestClient], tuple[str, Any]]
    locks: str


def _from_case(name: str, locks: str) -> Write:
    case = CASES[name]

    def make(hcr: TestClient, ocha: TestClient, admin: TestClient) -> tuple[str, Any]:
        client = {Role.partner: hcr, Role.secretariat: ocha, Role.admin: admin}[case.role]
        url = case.make(client)
        if not case.read:  # a PUT that would create, or a record read in a list: make it first
            assert _write(client, case, url, case.second).status_code in (200, 201)
        return url, case.first(client) if callable(case.first) else case.first

    return Write(case.role, case.method, make, locks)


def _alert(hcr: TestClient) -> str:
    return f"/api/v1/alerts/{create_alert(hcr)['id']}"


def _shared_alert(hcr: TestClient) -> str:
    """An alert the secretariat sees (a draft is its author's alone)."""
    alert = create_alert(hcr)
    assert step(hcr, alert["id"], "shared").status_code == 200
    return f"/api/v1/alerts/{alert['id']}"


def _complaint(hcr: TestClient) -> str:
    return f"{COMPLAINTS}/{create_complaint(hcr)['id']}"


# Every operation of the OpenAPI document with an If-Match header, by operation id.
WRITES = {
    "update_user": _from_case("users", "users"),
    "update_organisation": _from_case("organisations", "organisations"),
    "give_activity_status": _from_case("activity_status", "activities"),
    "set_indicator_targets": _from_case("targets", "indicators"),
    "update_trigger_rule": _from_case("trigger_rules", "trigger_rules"),
    "put_kobo_form": _from_case("kobo_forms", "kobo_forms"),
    "replace_complaint_deadlines": _from_case("complaint_deadlines", "complaint_deadlines"),
    "update_meeting": _from_case("meetings", "register_meetings"),
    "update_thematic_note": _from_case("notes", "register_notes"),
    "update_information_request": _from_case(
        "information_requests", "register_information_requests"
    ),
    "update_action_point": _from_case("action_points", "register_action_points"),
    "update_webhook": _from_case("webhooks", "webhook_subscriptions"),
    "update_reading": Write(
        Role.partner, "PATCH", lambda hcr, _o, _a: (_reading(hcr), {"value": 5}), "readings"
    ),
    "validate_reading": Write(
        Role.secretariat, "POST", lambda hcr, _o, _a: (f"{_reading(hcr)}/validate", None),
        "readings",
    ),
    "reject_reading": Write(
        Role.secretariat, "POST",
        lambda hcr, _o, _a: (f"{_reading(hcr)}/reject", {"reason": "wrong cercle"}), "readings",
    ),
    "reopen_reading": Write(
        Role.secretariat, "POST",
        lambda hcr, ocha, _a: (f"{_validated_reading(hcr, ocha)}/reopen", None), "readings",
    ),
    "update_alert": Write(
        Role.partner, "PATCH", lambda hcr, _o, _a: (_alert(hcr), {"severity": 4}), "alerts"
    ),
    "transition_alert": Write(
        Role.partner, "POST",
        lambda hcr, _o, _a: (f"{_alert(hcr)}/transitions", {"to": "shared", "on": "2021-05-04"}),
        "alerts",
    ),
    "reopen_alert": Write(
        Role.secretariat, "POST",
        lambda hcr, _o, _a: (f"{_shared_alert(hcr)}/reopen", {"reason": "wrong note"}), "alerts",
    ),
    "update_complaint": Write(
        Role.partner, "PATCH",
        lambda hcr, _o, _a: (_complaint(hcr), {"programme": "Distribution"}), "complaints",
    ),
    "transition_complaint": Write(
        Role.partner, "POST",
        lambda hcr, _o, _a: (f"{_complaint(hcr)}/transitions", {"to": "closed"}), "complaints",
    ),
}  # fmt: skip


@pytest.fixture
def locked() -> Iterator[list[str]]:
    """The tables of every row a session selects `FOR UPDATE` while the test runs (recorded at
    the ORM, so on SQLite too, where the clause is not rendered)."""
    tables: list[str] = []

    def record(state: orm.ORMExecuteState) -> None:
        if state.is_select and state.statement._for_update_arg is not None:  # type: ignore[attr-defined]
            tables.extend(mapper.local_table.name for mapper in state.all_mappers)  # type: ignore[attr-defined]

    event.listen(orm.Session, "do_orm_execute", record)
    yield tables
    event.remove(orm.Session, "do_orm_execute", record)


def test_the_table_names_every_write_that_takes_if_match(app: FastAPI) -> None:
    operations = app.openapi()["paths"].values()
    taking = {
        op["operationId"]
        for methods in operations
        for op in methods.values()
        if any(p["name"].lower() == "if-match" for p in op.get("parameters", []))
    }
    assert taking == set(WRITES)


@pytest.mark.parametrize("operation", list(WRITES))
def test_every_if_match_write_locks_its_record_before_it_compares(
    client_as: Clients, locked: list[str], operation: str
) -> None:
    """A stale tag is refused (412) by a request that has already locked the record's row: the
    comparison ran after the lock, since nothing runs after the refusal."""
    write = WRITES[operation]
    hcr, ocha = client_as(Role.partner, "HCR"), client_as(Role.secretariat, "OCHA")
    admin = client_as(Role.admin, "OCHA")
    url, body = write.make(hcr, ocha, admin)
    client = {Role.partner: hcr, Role.secretariat: ocha, Role.admin: admin}[write.role]
    locked.clear()
    _stale(client.request(write.method, url, json=body, headers=STALE))
    assert write.locks in locked, locked


@pytest.fixture(scope="module")
def racing(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, dict[Role, str]]]:
    """An app on a database of its own (migrated, seeded, dropped after), with no test
    transaction around it, and a committed key for each role that writes below: what the races
    commit stays out of the other tests' database."""
    with fresh_database(Path(tmp_path_factory.mktemp("if-match"))) as url:
        migrate.upgrade(url)
        own = settings.model_copy(update={"database_url": url, "max_in_flight": 50})
        engine = build_engine(own)
        with Session(engine) as session, session.begin():
            seeds.load_all(session)
            keys = {
                Role.partner: builders.api_key(session, Role.partner, "HCR"),
                Role.secretariat: builders.api_key(session, Role.secretariat, "OCHA"),
                Role.admin: builders.api_key(session, Role.admin, "OCHA"),
            }
        engine.dispose()
        app = create_app(own)
        yield app, keys
        app.state.engine.dispose()


@pytest.mark.parametrize("name", list(CASES))
def test_writes_sending_one_tag_at_once_are_one_success_and_412s(
    racing: tuple[FastAPI, dict[Role, str]], name: str
) -> None:
    app, keys = racing
    case: Case = CASES[name]
    with TestClient(app, headers=builders.bearer(keys[case.role])) as client:
        url = case.make(client)
        if case.read:
            seen = _tagged(client.get(url))
        else:
            made = _write(client, case, url, case.second)
            seen = _tagged(made, made.status_code)
        answers = run_together(
            RACERS, lambda racer: _write(racer, case, url, case.first, seen), app, keys[case.role]
        )
        codes = sorted(answer.status_code for answer in answers)
        assert codes == [200] + [412] * (RACERS - 1), [a.text for a in answers]
        for answer in answers:
            if answer.status_code == 412:
                _stale(answer)
        [won] = [answer for answer in answers if answer.status_code == 200]
        if case.read:  # what is stored is the winner's change, tagged as it answered
            assert client.get(url).headers["ETag"] == won.headers["ETag"]
