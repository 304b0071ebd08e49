"""GET /audit-events under the visibility of the records the events describe."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.alerts.conftest import create as create_alert
from tests.complaints.conftest import BASE, create

AUDIT = "/api/v1/audit-events"


def about(reader: TestClient, entity_type: str) -> list[dict]:
    response = reader.get(AUDIT, params={"entity_type": entity_type, "limit": 500})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_complaint_reclassified_as_sea_takes_its_earlier_events_and_timeline_with_it(
    client_as: Callable[..., TestClient],
) -> None:
    hcr, ocha = client_as(Role.partner, "HCR"), client_as(Role.secretariat, "OCHA")
    complaint_id = create(hcr)["id"]
    kept = create(hcr)["id"]
    assert hcr.patch(f"{BASE}/{complaint_id}", json={"language": "bm"}).status_code == 200
    before = {e["entity_id"] for e in about(ocha, "complaint")}
    assert {str(complaint_id), str(kept)} <= before
    assert ocha.get(f"{BASE}/{complaint_id}/timeline").status_code == 200

    moved = hcr.patch(f"{BASE}/{complaint_id}", json={"category": "sea_allegation"})
    assert moved.status_code == 200, moved.text

    after = {e["entity_id"] for e in about(ocha, "complaint")}
    assert str(complaint_id) not in after
    assert str(kept) in after
    assert ocha.get(f"{BASE}/{complaint_id}/timeline").status_code == 404
    by_id = ocha.get(AUDIT, params={"entity_type": "complaint", "entity_id": str(complaint_id)})
    assert by_id.json()["items"] == []


def test_the_admin_reads_no_event_about_records_it_may_not_read(
    client_as: Callable[..., TestClient],
) -> None:
    hcr, ocha = client_as(Role.partner, "HCR"), client_as(Role.secretariat, "OCHA")
    admin = client_as(Role.admin, "OCHA")
    create(hcr)
    create_alert(hcr)
    body = {"code": "NRC", "name_fr": "Conseil norvégien pour les réfugiés", "kind": "ngo"}
    assert admin.post("/api/v1/organisations", json=body).status_code == 201
    everything = admin.get(AUDIT, params={"limit": 500}).json()["items"]
    kinds = {e["entity_type"] for e in everything}
    assert not kinds & {"complaint", "alert", "reading", "reading_batch"}
    assert "organisation" in kinds
    for kind in ("complaint", "alert"):
        assert about(admin, kind) == []
        assert about(ocha, kind), f"the secretariat reads the {kind} events"
