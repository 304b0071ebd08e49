"""/activities/{code}/status: leads give their word on how an activity goes, each quarter."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.progress.conftest import dashboard, on_board

URL = "/api/v1/activities/{}/status/{}"
DELAYED = {
    "status": "delayed",
    "comment": "Forum postponed to June.",
    "evidence": [{"url": "https://example.org/minutes-2021-05.pdf", "label": "minutes"}],
}


class TestGive:
    def test_a_lead_gives_its_status_with_evidence(self, hcr: TestClient) -> None:
        response = hcr.put(URL.format("1.1.2", "2021Q2"), json=DELAYED)
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["organisation"], body["status"], body["amended_by"]) == (
            "HCR",
            "delayed",
            None,
        )
        assert body["evidence"] == [DELAYED["evidence"][0]]
        again = hcr.put(URL.format("1.1.2", "2021Q2"), json={"status": "on_track"})
        assert (again.status_code, again.json()["status"]) == (200, "on_track")

    def test_an_ehp_member_leads_what_tout_ehp_leads(self, unicef: TestClient) -> None:
        assert unicef.put(URL.format("2.1.1", "2021Q2"), json=DELAYED).status_code == 201

    def test_an_organisation_that_does_not_lead_it_may_not(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        undp = client_as(Role.partner, "UNDP")  # other actor of 2.2.1, not a lead
        response = undp.put(URL.format("2.2.1", "2021Q2"), json=DELAYED)
        assert response.status_code == 403
        assert "does not lead" in response.json()["detail"]

    def test_the_secretariat_amends_a_leads_word_audited(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        hcr.put(URL.format("1.1.2", "2021Q2"), json=DELAYED)
        amended = ocha.put(
            URL.format("1.1.2", "2021Q2"), json={"status": "on_track", "organisation": "HCR"}
        )
        assert amended.status_code == 200, amended.text
        assert amended.json()["amended_by"].startswith("ehpk_")
        listed = ocha.get("/api/v1/activities/1.1.2/status", params={"period": "2021"}).json()
        assert [(s["organisation"], s["status"]) for s in listed] == [("HCR", "on_track")]
        events = ocha.get("/api/v1/audit-events", params={"entity_type": "activity_status"})
        actions = [e["action"] for e in events.json()["items"]]
        assert actions == ["activity_status.amend", "activity_status.create"]

    def test_a_status_is_for_a_quarter(self, hcr: TestClient) -> None:
        assert hcr.put(URL.format("1.1.2", "2021"), json=DELAYED).status_code == 422

    def test_a_locked_quarter_refuses_it(self, hcr: TestClient, ocha: TestClient) -> None:
        assert ocha.post("/api/v1/periods/2021Q2/lock", json={}).status_code == 200
        assert hcr.put(URL.format("1.1.2", "2021Q2"), json=DELAYED).status_code == 409


class TestOnTheDashboard:
    def test_beside_completeness(self, hcr: TestClient, client: TestClient) -> None:
        hcr.put(URL.format("1.1.2", "2021Q1"), json={"status": "on_track"})
        hcr.put(URL.format("1.1.2", "2021Q2"), json=DELAYED)
        quarter = on_board(dashboard(client, "2021Q2"), "1.1.2")
        assert [(s["organisation"], s["status"]) for s in quarter["lead_status"]] == [
            ("HCR", "delayed")
        ]
        year = on_board(dashboard(client, "2021"), "1.1.2")
        assert [s["period"] for s in year["lead_status"]] == ["2021Q2"]  # the latest
