"""The register's routes: who writes, who reads, what is refused and why."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ehp_api.audit.models import AuditEvent
from tests.register.conftest import meeting, note, point, request

TODAY = date.today()


def test_the_secretariat_records_a_meeting_and_every_dashboard_reader_reads_it(
    ocha: TestClient, client: TestClient, hcr: TestClient, session: Session
) -> None:
    made = meeting(ocha, "2021-05-10", kind="ad_hoc")
    assert (made["kind"], made["protection_on_agenda"], made["created_by"]) == (
        "ad_hoc", True, made["created_by"],
    )  # fmt: skip
    for reader in (client, hcr):
        listed = reader.get("/api/v1/register/meetings", params={"period": "2021Q2"}).json()
        assert [m["id"] for m in listed["items"]] == [made["id"]]
    events = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity_type == "register_meeting")
    ).all()
    assert events == ["register_meeting.create"]


def test_a_partner_may_not_write_the_register(hcr: TestClient) -> None:
    body = {"held_on": "2021-05-10", "kind": "ordinary", "protection_on_agenda": True}
    response = hcr.post("/api/v1/register/meetings", json=body)
    assert response.status_code == 403
    assert "register:write" in response.json()["detail"]


def test_a_day_in_the_future_is_refused_naming_the_field(ocha: TestClient) -> None:
    later = (TODAY + timedelta(days=2)).isoformat()
    body = {"held_on": later, "kind": "ordinary", "protection_on_agenda": True}
    response = ocha.post("/api/v1/register/meetings", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "held_on"


def test_a_note_is_deliberated_later_by_a_patch(ocha: TestClient) -> None:
    made = note(ocha, "2021-05-03", deliberated=False)
    changed = ocha.patch(f"/api/v1/register/notes/{made['id']}", json={"deliberated": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["deliberated"] is True
    refused = ocha.patch(f"/api/v1/register/notes/{made['id']}", json={"deliberated": None})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "deliberated"


def test_an_information_request_answered_before_it_was_asked_is_refused(ocha: TestClient) -> None:
    response = ocha.post(
        "/api/v1/register/information-requests",
        json={"subject": "x", "asked_on": "2021-05-10", "asked_by": "OCHA",
              "answered_on": "2021-05-09"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "answered_on"


def test_a_note_supplied_needs_its_answer_day(ocha: TestClient) -> None:
    made = request(ocha, "2021-05-10")
    response = ocha.patch(
        f"/api/v1/register/information-requests/{made['id']}", json={"note_supplied": True}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "answer_date_required"


def test_an_unknown_organisation_is_named(ocha: TestClient) -> None:
    response = ocha.post(
        "/api/v1/register/information-requests",
        json={"subject": "x", "asked_on": "2021-05-10", "asked_by": "NOPE"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "asked_by"
    response = ocha.post(
        "/api/v1/register/decisions",
        json={
            "decided_on": "2021-05-10",
            "text": "t",
            "action_points": [point("NOPE", "2021-06-01")],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "action_points.0.owner"
