"""A complaint reclassified as an SEA allegation after it was recorded reaches the PSEA focal
points as a new allegation does (webhook and e-mail, `complaint.created`, marked `reclassified`),
and no one else: not the organisation it was referred to, not the secretariat, not the partner
that recorded it, whatever they were told of it before."""

from sqlmodel import Session, select

from ehp_api.core.permissions import Role
from ehp_api.events.models import EventType, OutboxEvent
from tests.notifications.conftest import Live, eventually
from tests.notifications.test_mail import active_emails
from tests.notifications.test_webhooks import COMPLAINTS, record, refer, settled

TYPES = ("complaint.created", "complaint.referred")


def test_a_complaint_reclassified_as_sea_reaches_the_psea_focal_points_only(live: Live) -> None:
    live.user("psea@unfpa.example", Role.psea_focal_point, "UNFPA")
    live.user("partner@unicef.example", Role.partner, "UNICEF")
    live.user("secretariat@ocha.example", Role.secretariat, "OCHA")
    hcr, unicef = live.key(Role.partner, "HCR"), live.key(Role.partner, "UNICEF")
    psea, ocha = live.key(Role.psea_focal_point, "UNFPA"), live.key(Role.secretariat, "OCHA")
    focal, referred_to, recorder, secretariat = (live.receiver() for _ in range(4))
    for headers, receiver in ((psea, focal), (unicef, referred_to), (hcr, recorder)):
        live.subscribe(headers, receiver, *TYPES)
    live.subscribe(ocha, secretariat, *TYPES)
    complaint_id = record(live, hcr)
    refer(live, hcr, complaint_id, "UNICEF")
    eventually(lambda: referred_to.of_type("complaint.referred"))  # told while it was theirs
    eventually(lambda: settled(live))
    live.mailbox.messages.clear()
    before = {id(r): len(r.received) for r in (referred_to, recorder, secretariat)}

    changed = live.client.patch(
        f"{COMPLAINTS}/{complaint_id}", json={"category": "sea_allegation"}, headers=hcr
    )
    assert changed.status_code == 200, changed.text

    [created] = eventually(lambda: focal.of_type("complaint.created"))
    data = created.message["data"]
    assert (data["id"], data["category"], data["reclassified"]) == (
        complaint_id,
        "sea_allegation",
        True,
    )
    assert "description" not in data
    focal_points = active_emails(live, Role.psea_focal_point)
    eventually(lambda: len(live.mailbox.messages) >= len(focal_points))
    eventually(lambda: settled(live))
    assert sorted(to for tos, _ in live.mailbox.messages for to in tos) == sorted(focal_points)
    [(_, message)] = [m for m in live.mailbox.messages if m[0] == ["psea@unfpa.example"]]
    assert message["Subject"] == "[EHP] New SEA allegation recorded"
    assert "reclassified: True" in message.get_payload(decode=True).decode()
    after = {id(r): len(r.received) for r in (referred_to, recorder, secretariat)}
    assert after == before  # nothing more to anyone else

    # Changed again (still SEA), nothing new is announced.
    again = live.client.patch(
        f"{COMPLAINTS}/{complaint_id}", json={"programme": "Distribution"}, headers=psea
    )
    assert again.status_code == 200, again.text
    with Session(live.engine) as session:
        announced = session.exec(
            select(OutboxEvent).where(
                OutboxEvent.subject == f"complaint/{complaint_id}",
                OutboxEvent.type == EventType.complaint_created.value,
            )
        ).all()
    assert len(announced) == 1
