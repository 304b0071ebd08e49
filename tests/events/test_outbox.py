"""The outbox: an event is written in the transaction of the change that makes it, with the
audience of the record it is about; a refused change writes none."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ehp_api.core.permissions import Permission, Role, permissions_of
from ehp_api.events.models import OutboxEvent
from ehp_api.events.policy import Audience, View, view_for
from ehp_api.organisations.models import Organisation
from tests.complaints.conftest import BASE, complaint, create, refer, step


def events(session: Session, subject: str) -> list[OutboxEvent]:
    return list(session.exec(select(OutboxEvent).where(OutboxEvent.subject == subject)))


def org_id(session: Session, code: str) -> int | None:
    return session.exec(select(Organisation.id).where(Organisation.code == code)).one()


def test_a_referral_writes_its_event_with_the_change(hcr: TestClient, session: Session) -> None:
    case = create(hcr)
    subject = f"complaint/{case['id']}"
    assert events(session, subject) == []  # an ordinary complaint's creation tells no one

    refer(hcr, case["id"], "UNICEF")

    [event] = events(session, subject)
    assert event.type == "complaint.referred"
    assert event.dispatched_at is None
    assert event.payload["referred_to"] == "UNICEF"
    assert "description" not in event.payload
    assert event.audience == [
        Audience(Permission.complaints_read, org_id(session, "UNICEF")).as_json()
    ]
    assert event.mail_audience == event.audience


def test_a_refused_step_writes_no_event(hcr: TestClient, session: Session) -> None:
    case = create(hcr)
    refused = step(hcr, case["id"], "accepted")
    assert refused.status_code == 409
    assert events(session, f"complaint/{case['id']}") == []


def test_an_sea_allegation_is_announced_to_psea_focal_points_alone(
    hcr: TestClient, session: Session
) -> None:
    receipt = hcr.post(BASE, json=complaint(category="sea_allegation"))
    assert receipt.status_code == 201, receipt.text
    [event] = events(session, f"complaint/{receipt.json()['id']}")
    assert event.type == "complaint.created"
    assert event.audience == [Audience(Permission.complaints_confidential).as_json()]


def test_the_first_matching_rule_gives_the_view() -> None:
    rules = [
        Audience(Permission.alerts_review).as_json(),
        Audience(Permission.alerts_write, organisation_id=7).as_json(),
        Audience(
            Permission.alerts_read, lacking=Permission.alerts_write, view=View.restricted
        ).as_json(),
    ]
    assert view_for(rules, permissions_of(Role.secretariat), 1) == View.full
    assert view_for(rules, permissions_of(Role.partner), 7) == View.full
    assert view_for(rules, permissions_of(Role.partner), 8) is None
    assert view_for(rules, permissions_of(Role.analyst), 8) == View.restricted
    assert view_for(rules, permissions_of(Role.psea_focal_point), 7) is None
    assert view_for(rules, permissions_of(Role.admin), 7) is None
