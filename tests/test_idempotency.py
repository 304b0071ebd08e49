"""`Idempotency-Key` on every POST that creates a record: a retry is stored once and replayed,
another body with the key is refused, keys belong to one caller, and an expired key is free again.

What is shown once (an API key's secret, a follow-up code) is tested with its domain:
tests/access/test_router.py and tests/complaints/test_router.py."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, update
from sqlmodel import Session, SQLModel, select

from ehp_api.access.models import ApiKey, User
from ehp_api.alerts.models import Alert, TriggerRule
from ehp_api.complaints.models import Complaint
from ehp_api.core.db import utcnow
from ehp_api.core.permissions import Role
from ehp_api.organisations.models import Organisation
from ehp_api.readings.models import Reading
from ehp_api.register.models import Decision, InformationRequest, Meeting, ThematicNote
from ehp_api.web import idempotency_keys
from ehp_api.web.idempotency_keys import IdempotencyKey
from tests.alerts.conftest import alert_body
from tests.complaints.conftest import complaint
from tests.complaints.kobo_data import FORMS, INTAKE, MAPPING, XFORM_ID, submission
from tests.readings.conftest import count_reading

PLACES = ["ML0501", "ML0502", "ML0503", "ML0504", "ML0505", "ML0506"]


def _kobo(n: int) -> dict[str, Any]:
    uuid = f"e58da38d-3eee-4bd7-8512-4a97ea8fbb{n:02d}"
    return submission(uuid=uuid, code_suivi=f"3f2b9c1e8d474a{n:02d}")


def _map_the_kobo_form(client_as: Callable[..., TestClient]) -> None:
    response = client_as(Role.secretariat, "OCHA").put(f"{FORMS}/{XFORM_ID}", json=MAPPING)
    assert response.status_code == 201, response.text


@dataclass
class Operation:
    url: str
    role: Role
    org: str
    body: Callable[[int], dict[str, Any]]  # the n-th of distinct valid bodies
    table: type[SQLModel]  # where what it creates is stored
    setup: Callable[[Callable[..., TestClient]], None] = field(default=lambda _: None)

    def __str__(self) -> str:
        return self.url.removeprefix("/api/v1/")


OPERATIONS = [
    Operation(
        "/api/v1/alerts", Role.partner, "HCR", lambda n: alert_body(external_ref=f"r-{n}"), Alert
    ),
    Operation(
        "/api/v1/complaints",
        Role.partner,
        "HCR",
        lambda n: complaint(description=f"Households left off the distribution list ({n})."),
        Complaint,
    ),
    Operation(INTAKE, Role.partner, "HCR", _kobo, Complaint, _map_the_kobo_form),
    Operation(
        "/api/v1/readings",
        Role.partner,
        "HCR",
        lambda n: count_reading(location=PLACES[n]),
        Reading,
    ),
    Operation(
        "/api/v1/readings/batch",
        Role.partner,
        "HCR",
        lambda n: {"readings": [count_reading(location=PLACES[n])]},
        Reading,
    ),
    Operation(
        "/api/v1/trigger-rules",
        Role.secretariat,
        "OCHA",
        lambda n: {"code": f"rule_{n}", "kind": "severity", "description": "x", "min_severity": 4},
        TriggerRule,
    ),
    Operation(
        "/api/v1/organisations",
        Role.admin,
        "OCHA",
        lambda n: {"code": f"ONG-{n}", "name_fr": f"ONG {n}", "kind": "ngo"},
        Organisation,
    ),
    Operation(
        "/api/v1/users",
        Role.admin,
        "OCHA",
        lambda n: {
            "email": f"person{n}@ocha.example",
            "display_name": f"Person {n}",
            "organisation": "OCHA",
            "role": "analyst",
            "password": "a long enough password",
        },
        User,
    ),
    Operation(
        "/api/v1/api-keys",
        Role.admin,
        "OCHA",
        lambda n: {"name": f"sync {n}", "organisation": "HCR"},
        ApiKey,
    ),
]
_SECRETARIAT = (Role.secretariat, "OCHA")
OPERATIONS += [
    Operation(
        "/api/v1/register/meetings", *_SECRETARIAT,
        lambda n: {"held_on": f"2021-05-{n:02d}", "kind": "ad_hoc", "protection_on_agenda": True},
        Meeting,
    ),
    Operation(
        "/api/v1/register/notes", *_SECRETARIAT,
        lambda n: {"title": f"Note {n}", "received_on": "2021-05-03", "area": "cross_cutting"},
        ThematicNote,
    ),
    Operation(
        "/api/v1/register/information-requests", *_SECRETARIAT,
        lambda n: {"subject": f"Trends {n}", "asked_on": "2021-05-03", "asked_by": "OCHA"},
        InformationRequest,
    ),
    Operation(
        "/api/v1/register/decisions", *_SECRETARIAT,
        lambda n: {"decided_on": "2021-05-10", "text": f"Decision {n}"},
        Decision,
    ),
]  # fmt: skip
REPLAYED = [op for op in OPERATIONS if op.url != "/api/v1/api-keys"]  # its secret is not kept


def post(client: TestClient, op: Operation, n: int, key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(op.url, json=op.body(n), headers=headers)


def stored(session: Session, op: Operation) -> int:
    return session.exec(select(func.count()).select_from(op.table)).one()


@pytest.fixture(params=OPERATIONS, ids=str)
def op(request: pytest.FixtureRequest, client_as: Callable[..., TestClient]) -> Operation:
    operation: Operation = request.param
    operation.setup(client_as)
    return operation


@pytest.fixture
def caller(op: Operation, client_as: Callable[..., TestClient]) -> TestClient:
    return client_as(op.role, op.org)


class TestRetry:
    @pytest.mark.parametrize("op", REPLAYED, ids=str, indirect=True)
    def test_a_retry_is_stored_once_and_gets_the_same_answer(
        self, op: Operation, caller: TestClient, session: Session
    ) -> None:
        before = stored(session, op)
        first = post(caller, op, 1, "retry-1")
        again = post(caller, op, 1, "retry-1")
        assert first.status_code in (200, 201), first.text
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert stored(session, op) == before + 1

    def test_the_same_key_with_another_body_is_a_422_naming_the_header(
        self, op: Operation, caller: TestClient, session: Session
    ) -> None:
        post(caller, op, 1, "retry-1")
        before = stored(session, op)
        response = post(caller, op, 2, "retry-1")
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert (error["location"], error["field"]) == ("header", "Idempotency-Key")
        assert error["code"] == "idempotency_key_reused"
        assert stored(session, op) == before

    def test_keys_belong_to_one_caller(
        self,
        op: Operation,
        caller: TestClient,
        client_as: Callable[..., TestClient],
        session: Session,
    ) -> None:
        other = client_as(op.role, op.org)
        before = stored(session, op)
        first, second = post(caller, op, 1, "shared"), post(other, op, 2, "shared")
        assert first.status_code in (200, 201), first.text
        assert second.status_code == first.status_code, second.text
        assert "Idempotent-Replayed" not in second.headers
        assert stored(session, op) == before + 2

    def test_without_a_key_nothing_is_kept(
        self, op: Operation, caller: TestClient, session: Session
    ) -> None:
        keys = session.exec(select(func.count()).select_from(IdempotencyKey)).one()
        assert post(caller, op, 1, None).status_code in (200, 201)
        assert session.exec(select(func.count()).select_from(IdempotencyKey)).one() == keys

    def test_a_key_longer_than_200_characters_is_a_422(
        self, op: Operation, caller: TestClient
    ) -> None:
        response = post(caller, op, 1, "k" * 201)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"


def expire_every_key(session: Session) -> None:
    session.execute(update(IdempotencyKey).values(expires_at=utcnow() - timedelta(seconds=1)))


def test_keys_belong_to_one_operation(hcr: TestClient, session: Session) -> None:
    headers = {"Idempotency-Key": "shared"}
    alert = hcr.post("/api/v1/alerts", json=alert_body(), headers=headers)
    receipt = hcr.post("/api/v1/complaints", json=complaint(), headers=headers)
    assert (alert.status_code, receipt.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in receipt.headers


class TestExpiry:
    def test_an_expired_key_is_free_again(
        self, op: Operation, caller: TestClient, session: Session
    ) -> None:
        post(caller, op, 1, "retry-1")
        expire_every_key(session)
        before = stored(session, op)
        # Another body: not refused as a reuse, since the key has gone with its answer.
        response = post(caller, op, 2, "retry-1")
        assert response.status_code in (200, 201), response.text
        assert "Idempotent-Replayed" not in response.headers
        assert stored(session, op) == before + 1
        # ... and its answer is the key's from now on.
        assert post(caller, op, 2, "retry-1").headers["Idempotent-Replayed"] == "true"

    @pytest.mark.parametrize("op", OPERATIONS[:1], ids=str, indirect=True)
    def test_an_expired_answer_is_never_replayed(
        self, op: Operation, caller: TestClient, session: Session
    ) -> None:
        first = post(caller, op, 1, "retry-1")
        expire_every_key(session)
        again = post(caller, op, 1, "retry-1")
        assert again.status_code == 201
        assert "Idempotent-Replayed" not in again.headers
        assert again.json()["id"] != first.json()["id"]

    @pytest.mark.parametrize("op", OPERATIONS[:1], ids=str, indirect=True)
    def test_the_purge_removes_expired_keys_only(
        self, op: Operation, caller: TestClient, session: Session
    ) -> None:
        post(caller, op, 1, "old")
        expire_every_key(session)
        post(caller, op, 2, "new")
        assert idempotency_keys.purge_expired(session) >= 1
        left = session.exec(select(IdempotencyKey.key)).all()
        assert "new" in left
        assert "old" not in left


class TestOpenApi:
    def test_each_create_operation_documents_the_headers(self, anon_client: TestClient) -> None:
        paths = anon_client.get("/openapi.json").json()["paths"]
        for op in OPERATIONS:
            operation = paths[op.url]["post"]
            [parameter] = [p for p in operation["parameters"] if p["in"] == "header"]
            assert parameter["name"] == "Idempotency-Key"
            assert not parameter["required"]
            created = operation["responses"].get("201") or operation["responses"]["200"]
            assert "Idempotent-Replayed" in created["headers"], op
            assert "409" in operation["responses"], op


def test_a_key_whose_request_is_still_running_is_a_409(hcr: TestClient, session: Session) -> None:
    # Concurrent retries wait for the first request's transaction, so they see a stored answer;
    # a row without one is what a request still running would show: retry later.
    me = hcr.get("/api/v1/me").json()
    session.add(
        IdempotencyKey(
            scope=f"alerts.create:api_key:{me['id']}",
            key="running",
            request_hash=idempotency_keys.request_hash(alert_body()),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    session.flush()
    response = hcr.post("/api/v1/alerts", json=alert_body(), headers={"Idempotency-Key": "running"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "still being processed" in response.json()["detail"]


def test_a_dry_run_refuses_a_malformed_key_too(hcr: TestClient) -> None:
    """A dry run stores nothing, yet a key past the documented bound is refused as elsewhere (the
    schema fuzzing found it answered 200)."""
    response = hcr.post(
        "/api/v1/readings/batch?dry_run=true",
        json={"readings": [{"indicator": "1.1.1.1", "period": "2021Q2", "value": 1}]},
        headers={"Idempotency-Key": "k" * 201},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"
