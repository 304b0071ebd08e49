"""Webhooks against a receiver started by the test: signed per Standard Webhooks (verified with
the specification's library), within seconds, retried after a 500 with the same id, logged and
replayable, and never about a record the subscriber could not read."""

from typing import Any

from sqlmodel import Session, select
from standardwebhooks import Webhook

from ehp_api.core.permissions import Role
from ehp_api.events.models import OutboxEvent
from ehp_api.notifications.models import Delivery, DeliveryStatus
from tests.alerts.conftest import alert_body
from tests.complaints.conftest import complaint
from tests.notifications.conftest import Live, eventually
from tests.readings.conftest import count_reading

COMPLAINTS = "/api/v1/complaints"
DUE = "2099-01-01"
SEA_TEXT = "Allegation against a distribution agent"


def record(live: Live, headers: dict[str, str], **overrides: Any) -> int:
    response = live.client.post(COMPLAINTS, json=complaint(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def refer(live: Live, headers: dict[str, str], complaint_id: int, org: str) -> None:
    response = live.client.post(
        f"{COMPLAINTS}/{complaint_id}/transitions",
        json={"to": "referred", "organisation": org, "due_on": DUE},
        headers=headers,
    )
    assert response.status_code == 200, response.text


def settled(live: Live) -> bool:
    """Every event dispatched, and no delivery left to try."""
    with Session(live.engine) as session:
        pending = session.exec(select(Delivery.id).where(Delivery.status == DeliveryStatus.pending))
        new = session.exec(select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)))
        return pending.first() is None and new.first() is None


def test_a_referral_reaches_the_organisation_s_endpoint_signed_within_seconds(live: Live) -> None:
    hcr, unicef, oim = (live.key(Role.partner, org) for org in ("HCR", "UNICEF", "OIM"))
    theirs, others = live.receiver(), live.receiver()
    subscription = live.subscribe(unicef, theirs, "complaint.referred")
    live.subscribe(oim, others, "complaint.referred")
    complaint_id = record(live, hcr)

    refer(live, hcr, complaint_id, "UNICEF")

    [delivery] = eventually(lambda: theirs.of_type("complaint.referred"), timeout=10)
    verified = Webhook(subscription["secret"]).verify(delivery.body, delivery.headers)
    assert verified["data"]["id"] == complaint_id
    assert verified["data"]["referred_to"] == "UNICEF"
    assert verified["data"]["subject"] == f"complaint/{complaint_id}"
    assert delivery.headers["webhook-id"].startswith("evt_")
    assert "description" not in verified["data"]
    eventually(lambda: settled(live))
    assert others.received == []


def test_a_refused_delivery_is_retried_with_the_same_id_logged_and_replayable(
    live: Live,
) -> None:
    hcr, unicef = live.key(Role.partner, "HCR"), live.key(Role.partner, "UNICEF")
    failing = live.receiver(answers=[500])
    subscription = live.subscribe(unicef, failing, "complaint.referred")
    refer(live, hcr, record(live, hcr), "UNICEF")

    first, second = eventually(lambda: len(failing.received) >= 2 and failing.received)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    Webhook(subscription["secret"]).verify(second.body, second.headers)
    deliveries = f"/api/v1/webhooks/{subscription['id']}/deliveries"

    def delivered() -> Any:
        [row] = live.client.get(deliveries, headers=unicef).json()["items"]
        return row if row["status"] == "delivered" else None

    row = eventually(delivered)
    assert (row["attempts"], row["last_status_code"]) == (2, 200)
    assert row["event_id"] == first.headers["webhook-id"]

    replayed = live.client.post(f"{deliveries}/{row['id']}/replay", headers=unicef)
    assert replayed.status_code == 200, replayed.text
    third = eventually(lambda: len(failing.received) >= 3 and failing.received[2])
    assert third.headers["webhook-id"] == first.headers["webhook-id"]
    # Another organisation's principals do not see the subscription, nor its log.
    hcr_view = live.client.get(deliveries, headers=hcr)
    assert hcr_view.status_code == 404


def test_an_sea_case_reaches_only_psea_focal_points_endpoints(live: Live) -> None:
    partner, psea = live.key(Role.partner, "UNFPA"), live.key(Role.psea_focal_point, "UNFPA")
    secretariat, hcr = live.key(Role.secretariat, "OCHA"), live.key(Role.partner, "HCR")
    types = ("complaint.created", "complaint.referred")
    focal, theirs, ocha = live.receiver(), live.receiver(), live.receiver()
    subscription = live.subscribe(psea, focal, *types)
    live.subscribe(partner, theirs, *types)
    live.subscribe(secretariat, ocha, *types)
    sea = record(live, hcr, category="sea_allegation", description=SEA_TEXT)
    # Referred to the partner's own organisation: still not its business (it cannot read it).
    refer(live, psea, sea, "UNFPA")

    eventually(lambda: focal.of_type("complaint.created") and focal.of_type("complaint.referred"))
    eventually(lambda: settled(live))
    assert (theirs.received, ocha.received) == ([], [])
    for delivery in focal.received:
        data = Webhook(subscription["secret"]).verify(delivery.body, delivery.headers)["data"]
        assert data["id"] == sea
        assert SEA_TEXT not in delivery.body.decode()
    # And the partner's own subscription's log holds nothing about it either.
    listed = live.client.get("/api/v1/webhooks", headers=partner).json()["items"]
    [own] = [s for s in listed if s["url"] == theirs.url]
    log = live.client.get(f"/api/v1/webhooks/{own['id']}/deliveries", headers=partner).json()
    assert log["items"] == []
    assert all(s["role"] == "partner" for s in listed)


def test_an_escalated_alert_reaches_analysts_restricted_and_not_other_partners(
    live: Live,
) -> None:
    hcr, ocha = live.key(Role.partner, "HCR"), live.key(Role.secretariat, "OCHA")
    analyst, unicef = live.key(Role.analyst, "OCHA"), live.key(Role.partner, "UNICEF")
    source, secretariat, analysts, other = (live.receiver() for _ in range(4))
    for headers, receiver in ((hcr, source), (ocha, secretariat), (analyst, analysts)):
        live.subscribe(headers, receiver, "alert.escalated")
    live.subscribe(unicef, other, "alert.escalated")
    alert = live.client.post("/api/v1/alerts", json=alert_body(kind="ehp_referral"), headers=hcr)
    assert alert.status_code == 201, alert.text
    steps = f"/api/v1/alerts/{alert.json()['id']}/transitions"
    for headers, body in (
        (hcr, {"to": "submitted"}),
        (ocha, {"to": "under_review"}),
        (
            ocha,
            {
                "to": "escalated",
                "meeting_on": "2021-05-10",
                "decision": "Advocacy with the authorities",
                "accountable_organisation": "OCHA",
                "follow_up_due_on": "2021-06-10",
            },
        ),
    ):
        assert live.client.post(steps, json=body, headers=headers).status_code == 200

    eventually(lambda: source.received and secretariat.received and analysts.received)
    eventually(lambda: settled(live))
    assert source.received[0].message["data"]["source_organisation"] == "HCR"
    assert secretariat.received[0].message["data"]["source_organisation"] == "HCR"
    restricted = analysts.received[0].message["data"]
    assert restricted["id"] == alert.json()["id"]
    assert "source_organisation" not in restricted
    assert "narrative" not in analysts.received[0].body.decode()
    assert other.received == []


def test_a_rejected_reading_reaches_its_organisation_only(live: Live) -> None:
    hcr, unicef = live.key(Role.partner, "HCR"), live.key(Role.partner, "UNICEF")
    ocha = live.key(Role.secretariat, "OCHA")
    own, other = live.receiver(), live.receiver()
    live.subscribe(hcr, own, "reading.rejected")
    live.subscribe(unicef, other, "reading.rejected")
    reading = live.client.post("/api/v1/readings", json=count_reading(), headers=hcr)
    assert reading.status_code == 201, reading.text
    reading_id = reading.json()["id"]
    rejected = live.client.post(
        f"/api/v1/readings/{reading_id}/reject", json={"reason": "Wrong cercle"}, headers=ocha
    )
    assert rejected.status_code == 200, rejected.text

    [delivery] = eventually(lambda: own.received)
    assert delivery.message["data"] == {
        "subject": f"reading/{reading_id}",
        "id": reading_id,
        "status": "rejected",
        "indicator": "1.1.1.1",
        "period": "2021Q2",
        "rejection_reason": "Wrong cercle",
    }
    eventually(lambda: settled(live))
    assert other.received == []
