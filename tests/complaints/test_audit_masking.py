"""What the append-only audit log keeps of a complaint's changes: of an ordinary complaint, which
fields changed with their values, free text and identity masked; of a confidential one (before or
after the change), only which fields changed. Each test reads the events the API wrote."""

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ehp_api.audit.models import AuditEvent
from tests.complaints.conftest import BASE, complaint, create, move, named, refer

MASK = "***"
DESCRIPTION = "Marker-4Q2 households left off the list."


def _event(session: Session, complaint_id: int, action: str) -> AuditEvent:
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.entity_type == "complaint",
            AuditEvent.entity_id == str(complaint_id),
            AuditEvent.action == action,
        )
    ).all()
    assert len(events) == 1, f"{action}: {len(events)} events"
    return events[0]


def _all_masked(changes: dict[str, Any]) -> bool:
    return all(v in (MASK, None) for change in changes.values() for v in change.values())


class TestOrdinaryComplaint:
    def test_creation_shows_facts_and_masks_free_text_and_identity(
        self, hcr: TestClient, session: Session
    ) -> None:
        """Kills `hidden = set(after)` for every complaint (facts of ordinary ones lost) and the
        removal of `_FREE_TEXT` or `identity` from the masked set (text and identity in clear)."""
        receipt = create(
            hcr, description=DESCRIPTION, programme="Marker-programme", complainant=named()
        )
        event = _event(session, receipt["id"], "complaint.create")
        assert not event.confidential
        changes = event.changes
        assert changes["category"] == {"old": None, "new": "assistance_complaint"}
        assert changes["language"] == {"old": None, "new": "ff"}
        assert changes["status"] == {"old": None, "new": "received"}
        for field in ("description", "programme", "identity"):
            assert changes[field] == {"old": None, "new": MASK}, field
        assert "Marker" not in repr(changes)

    def test_a_correction_is_audited_with_the_text_masked(
        self, hcr: TestClient, session: Session
    ) -> None:
        """Kills dropping the audit of `complaint.update`, and the free-text mutants above on an
        update (old and new text both masked, a plain field in clear)."""
        receipt = create(hcr)
        response = hcr.patch(
            f"{BASE}/{receipt['id']}", json={"description": DESCRIPTION, "language": "bm"}
        )
        assert response.status_code == 200, response.text
        changes = _event(session, receipt["id"], "complaint.update").changes
        assert changes["description"] == {"old": MASK, "new": MASK}
        assert changes["language"] == {"old": "ff", "new": "bm"}
        assert set(changes) == {"description", "language"}

    def test_a_step_shows_the_status_in_clear(self, hcr: TestClient, session: Session) -> None:
        """Kills a step audited as confidential (or not at all) for an ordinary complaint."""
        receipt = create(hcr)
        refer(hcr, receipt["id"], "UNICEF")
        event = _event(session, receipt["id"], "complaint.referred")
        assert not event.confidential
        assert event.changes["status"] == {"old": "received", "new": "referred"}


class TestConfidentialComplaint:
    def test_creation_of_an_sea_allegation_shows_no_value(
        self, hcr: TestClient, session: Session
    ) -> None:
        """Kills `confidential = complaint.sensitive or ...` losing its first term: the category,
        place, sex and status of an SEA allegation would be in clear."""
        receipt = create(
            hcr, category="sea_allegation", complainant=named(name="Marker Name", sex="f")
        )
        event = _event(session, receipt["id"], "complaint.create")
        assert event.confidential
        assert {"category", "location_id", "sex", "status", "description"} <= set(event.changes)
        assert _all_masked(event.changes), event.changes

    def test_un_marking_as_sensitive_still_masks_the_change(
        self, hcr: TestClient, psea: TestClient, session: Session
    ) -> None:
        """Kills `bool(before and before["sensitive"])` dropped: the change that makes a
        confidential complaint ordinary would show what it was while it was confidential."""
        receipt = create(hcr, sensitive=True, category="protection_concern")
        response = psea.patch(
            f"{BASE}/{receipt['id']}", json={"sensitive": False, "language": "bm"}
        )
        assert response.status_code == 200, response.text
        event = _event(session, receipt["id"], "complaint.update")
        assert event.confidential
        assert {"sensitive", "language"} <= set(event.changes)
        assert _all_masked(event.changes), event.changes

    def test_marking_as_sensitive_masks_the_change(self, hcr: TestClient, session: Session) -> None:
        """The other direction: the change that makes it confidential shows no value either."""
        receipt = create(hcr, category="protection_concern")
        response = hcr.patch(f"{BASE}/{receipt['id']}", json={"sensitive": True, "language": "bm"})
        assert response.status_code == 200, response.text
        event = _event(session, receipt["id"], "complaint.update")
        assert event.confidential
        assert event.changes["sensitive"] == {"old": MASK, "new": MASK}
        assert event.changes["language"] == {"old": MASK, "new": MASK}

    def test_a_step_of_a_confidential_complaint_shows_no_value(
        self, hcr: TestClient, psea: TestClient, session: Session
    ) -> None:
        """Kills a workflow step audited with the values of a confidential complaint."""
        receipt = hcr.post(BASE, json=complaint(category="sea_allegation")).json()
        refer(psea, receipt["id"], "UNICEF")
        move(psea, receipt["id"], "accepted")
        for action in ("complaint.referred", "complaint.accepted"):
            event = _event(session, receipt["id"], action)
            assert event.confidential
            assert "status" in event.changes
            assert _all_masked(event.changes), event.changes
