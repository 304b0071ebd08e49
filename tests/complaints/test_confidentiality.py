"""Need to know, proven end to end: markers planted in an SEA allegation's description and in
complainants' names never reach any role but the PSEA focal point, through any complaints
endpoint, the audit log, the log records or an error message; identity is not plain text in the
database; reads of confidential records and of identity are audited."""

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from ehp_api.core.permissions import Role
from tests.complaints.conftest import BASE, complaint, days_ago, move, named, refer
from tests.complaints.kobo_data import FORMS, INTAKE, MAPPING, XFORM_ID, submission
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.helpers import all_items

SEA_MARKER = "PLANTED-SEA-DESCRIPTION-7F3A"
NAME_MARKER = "Plantedname Q91ZK"
KOBO_NAME_MARKER = "Kobonamemarker X4TR"
PHONE_MARKER = "+223 66 13 57 99"
MARKERS = (SEA_MARKER, NAME_MARKER, KOBO_NAME_MARKER, "66 13 57 99")


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record: the app's (which does not propagate) at DEBUG, and SQLAlchemy's
    statements (INFO, what `echo=True` shows; its DEBUG level would add result rows, which
    hold the descriptions that are stored in clear: never run it in production)."""
    levels = {"ehp_api": logging.DEBUG, "sqlalchemy.engine": logging.INFO,
              "uvicorn": logging.DEBUG, "httpx": logging.DEBUG}  # fmt: skip
    loggers = [logging.getLogger(name) for name in levels]
    caplog.set_level(logging.DEBUG)
    for logger in loggers:
        logger.addHandler(caplog.handler)
        logger.setLevel(levels[logger.name])
    yield caplog
    for logger in loggers:
        logger.removeHandler(caplog.handler)
        logger.setLevel(logging.NOTSET if logger.name != "ehp_api" else logging.INFO)


@pytest.fixture
def planted(
    captured: pytest.LogCaptureFixture,
    hcr: TestClient,
    ocha: TestClient,
    psea: TestClient,
) -> dict[str, Any]:
    """An SEA allegation with both markers, handled by the PSEA focal point; a referred ordinary
    complaint whose complainant did not consent; an SEA allegation sent through Kobo."""
    sea = hcr.post(
        BASE,
        json=complaint(
            category="sea_allegation",
            received_on=days_ago(6),
            organisation_concerned="UNICEF",
            description=f"Allegation: {SEA_MARKER} at the distribution site.",
            complainant=named(name=NAME_MARKER, phone=PHONE_MARKER, consent_to_share_identity=True),
            victim_assistance=[{"service": "medical", "referred_on": days_ago(5)}],
        ),
    ).json()
    psea.patch(f"{BASE}/{sea['id']}", json={"description": f"Corrected: {SEA_MARKER}."})
    refer(psea, sea["id"], "UNICEF", on=days_ago(5), note=f"Sent with {SEA_MARKER}")
    move(psea, sea["id"], "accepted", on=days_ago(4))
    ordinary = hcr.post(
        BASE, json=complaint(complainant=named(name=NAME_MARKER, phone=PHONE_MARKER))
    ).json()
    refer(hcr, ordinary["id"], "UNICEF")
    ocha.put(f"{FORMS}/{XFORM_ID}", json=MAPPING)
    kobo = hcr.post(
        INTAKE,
        json=submission(
            grp_plainte__categorie="eas",
            grp_plainte__description=f"Kobo: {SEA_MARKER}",
            grp_plaignant__nom=KOBO_NAME_MARKER,
        ),
    ).json()
    return {"sea": sea, "ordinary": ordinary, "kobo": kobo}


def _calls(planted: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, path template, path values, request options): every complaints operation, on
    every planted record, the way a curious caller would try them."""
    code = planted["sea"]["follow_up_code"]
    marked_identity = complaint(complainant=named(name=NAME_MARKER, phone=f"x{PHONE_MARKER}"))
    marked_sea = complaint(
        category="sea_allegation",
        description=SEA_MARKER,
        complainant={"anonymous": True, "name": NAME_MARKER},
    )
    calls: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("GET", BASE, {}, {"params": {"limit": 500}}),
        ("GET", BASE, {}, {"params": {"category": "sea_allegation"}}),
        ("GET", BASE, {}, {"params": {"overdue": True}}),
        ("GET", BASE, {}, {"params": {"organisation_concerned": "UNICEF", "period": "2021"}}),
        ("POST", BASE, {}, {"json": marked_identity}),
        ("POST", BASE, {}, {"json": marked_sea}),
        ("GET", f"{BASE}/follow-up/{{code}}", {"code": code}, {}),
        ("POST", INTAKE, {}, {"json": submission(grp_plainte__categorie="eas")}),
        ("GET", FORMS, {}, {}),
        ("GET", f"{FORMS}/{{xform_id}}", {"xform_id": XFORM_ID}, {}),
        ("PUT", f"{FORMS}/{{xform_id}}", {"xform_id": XFORM_ID}, {"json": MAPPING}),
        ("GET", "/api/v1/complaint-deadlines", {}, {}),
        ("PUT", "/api/v1/complaint-deadlines", {}, {"json": {"deadlines": []}}),
    ]
    for record in ("sea", "ordinary", "kobo"):
        ids = {"complaint_id": planted[record]["id"]}
        one, steps = f"{BASE}/{{complaint_id}}", f"{BASE}/{{complaint_id}}/transitions"
        calls += [
            ("GET", one, ids, {}),
            ("GET", f"{one}/timeline", ids, {}),
            ("PATCH", one, ids, {"json": {"language": "bm"}}),
            ("PATCH", one, ids, {"json": {"complainant": {"anonymous": True, "name": "x"}}}),
            ("POST", steps, ids, {"json": {"to": "responded"}}),
            ("POST", steps, ids, {"json": {"to": "closed", "reason": SEA_MARKER}}),
        ]
    return calls


def _walk(client: TestClient, planted: dict[str, Any]) -> list[Any]:
    responses = [
        client.request(method, template.format(**values), **options)
        for method, template, values, options in _calls(planted)
    ]
    if "audit:read" in client.get("/api/v1/me").json().get("permissions", []):
        responses.append(client.get("/api/v1/audit-events", params={"limit": 500}))
    return responses


OUTSIDERS = [
    (Role.admin, "OCHA"),
    (Role.secretariat, "OCHA"),
    (Role.partner, "HCR"),
    (Role.partner, "UNICEF"),
    (Role.partner, "OIM"),
    (Role.analyst, "OCHA"),
]


class TestMarkersNeverLeak:
    def test_the_walk_covers_every_complaints_operation(
        self, planted: dict[str, Any], anon_client: TestClient
    ) -> None:
        paths = anon_client.get("/openapi.json").json()["paths"]
        operations = {
            (method.upper(), path)
            for path, item in paths.items()
            if path.startswith("/api/v1/complaint")
            for method in item
        }
        assert {(method, template) for method, template, _, _ in _calls(planted)} == operations

    @pytest.mark.parametrize(("role", "org"), OUTSIDERS)
    def test_no_response_to_another_role_holds_a_marker(
        self,
        planted: dict[str, Any],
        client_as: Callable[..., TestClient],
        role: Role,
        org: str,
    ) -> None:
        client = client_as(role, org)
        for response in _walk(client, planted):
            assert response.status_code < 500, response.request.url
            for marker in MARKERS:
                assert marker not in response.text, (role, org, response.request.url, marker)
        sea_id = planted["sea"]["id"]
        assert client.get(f"{BASE}/{sea_id}").status_code in (403, 404)

    def test_nor_to_a_caller_without_credentials(
        self, planted: dict[str, Any], anon_client: TestClient
    ) -> None:
        for response in _walk(anon_client, planted):
            for marker in MARKERS:
                assert marker not in response.text, (response.request.url, marker)

    def test_the_psea_focal_point_reads_them_and_each_read_is_audited(
        self, planted: dict[str, Any], psea: TestClient, ocha: TestClient, session: Session
    ) -> None:
        sea = psea.get(f"{BASE}/{planted['sea']['id']}").json()
        assert SEA_MARKER in sea["description"]
        assert (sea["complainant"]["name"], sea["complainant"]["phone"]) == (
            NAME_MARKER, PHONE_MARKER
        )  # fmt: skip
        assert sea["victim_assistance"] == [
            {"service": "medical", "provider": None, "referred_on": days_ago(5)}
        ]
        assert SEA_MARKER in psea.get(f"{BASE}/{planted['sea']['id']}/timeline").text
        assert {c["id"] for c in all_items(psea, BASE)} >= {planted["sea"]["id"]}
        actions = _audit_actions(session, planted["sea"]["id"])
        assert {"complaint.read", "complaint.identity_read", "complaint.timeline_read"} <= actions
        pages = session.execute(
            text("SELECT changes FROM audit_events WHERE action = 'complaint.list_read'")
        ).all()
        assert pages
        assert str(planted["sea"]["id"]) in str(pages[-1][0])

    def test_the_receiving_organisation_of_an_sea_case_does_not_see_it(
        self, planted: dict[str, Any], unicef: TestClient
    ) -> None:
        assert unicef.get(f"{BASE}/{planted['sea']['id']}").status_code == 404
        assert planted["sea"]["id"] not in [c["id"] for c in all_items(unicef, BASE)]


class TestStorage:
    def test_the_identity_column_is_not_plain_text(
        self, planted: dict[str, Any], session: Session
    ) -> None:
        row = session.execute(
            text("SELECT * FROM complaints WHERE id = :id"), {"id": planted["sea"]["id"]}
        ).one()
        raw = " ".join(str(value) for value in row)
        assert NAME_MARKER not in raw
        assert "66 13 57 99" not in raw
        token = row._mapping["identity_token"]
        clear = Fernet(TEST_ENCRYPTION_KEY.encode()).decrypt(token.encode()).decode()
        assert NAME_MARKER in clear
        assert PHONE_MARKER in clear

    def test_no_table_holds_a_name_in_clear(
        self, planted: dict[str, Any], session: Session
    ) -> None:
        for table in SQLModel.metadata.sorted_tables:
            rows = session.execute(text(f'SELECT * FROM "{table.name}"')).all()  # noqa: S608
            dump = repr(rows)
            for marker in (NAME_MARKER, KOBO_NAME_MARKER, "66 13 57 99"):
                assert marker not in dump, (table.name, marker)

    def test_no_log_record_holds_a_marker(
        self, planted: dict[str, Any], client_as: Callable[..., TestClient],
        captured: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        for role, org in [*OUTSIDERS, (Role.psea_focal_point, "UNFPA")]:
            _walk(client_as(role, org), planted)
        assert captured.records, "the capture saw nothing: the check would prove nothing"
        assert any(r.name.startswith("sqlalchemy.engine") for r in captured.records)
        for marker in MARKERS:
            leaks = [
                r
                for r in captured.records
                if marker in f"{r.getMessage()} {r.args!r} {r.exc_text or ''}"
            ]
            assert not leaks, [(r.name, r.getMessage()[:300]) for r in leaks[:3]]


def _audit_actions(session: Session, complaint_id: int) -> set[str]:
    rows = session.execute(
        text("SELECT action FROM audit_events WHERE entity_type = 'complaint' AND entity_id = :i"),
        {"i": str(complaint_id)},
    ).all()
    return {r[0] for r in rows}


def test_audit_events_about_a_confidential_complaint_are_hidden_from_the_audit_api(
    hcr: TestClient, psea: TestClient, ocha: TestClient, client_as: Callable[..., TestClient]
) -> None:
    receipt = hcr.post(BASE, json=complaint(category="sea_allegation")).json()
    assert psea.get(f"{BASE}/{receipt['id']}").status_code == 200
    admin = client_as(Role.admin, "OCHA")
    for reader in (ocha, admin):
        events = reader.get("/api/v1/audit-events", params={"entity_type": "complaint"}).json()
        assert str(receipt["id"]) not in {e["entity_id"] for e in events["items"]}
