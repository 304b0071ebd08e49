"""`links` on an alert never name an alert the caller may not see."""

from fastapi.testclient import TestClient

from tests.alerts.conftest import create
from tests.alerts.test_router import shared


def test_a_link_made_by_the_secretariat_does_not_show_the_partner_another_alert(
    hcr: TestClient, ocha: TestClient
) -> None:
    mine = shared(hcr)
    theirs = create(ocha, links=[mine["id"]])  # the secretariat's, linked to HCR's
    assert ocha.get(f"/api/v1/alerts/{mine['id']}").json()["links"] == [theirs["id"]]
    assert hcr.get(f"/api/v1/alerts/{theirs['id']}").status_code == 404
    assert hcr.get(f"/api/v1/alerts/{mine['id']}").json()["links"] == []
    listed = hcr.get("/api/v1/alerts").json()["items"]
    assert [a["links"] for a in listed if a["id"] == mine["id"]] == [[]]
