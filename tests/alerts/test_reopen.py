"""A closed alert is frozen: a correction is a 409 until the secretariat reopens it, on record;
and an alert cannot be dated where no workflow could move it on."""

import pytest
from fastapi.testclient import TestClient

from tests.alerts.conftest import alert_body
from tests.alerts.test_workflow import EWRR_PATH, REFERRAL_PATH, walk

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("kind", "path", "closed_from"),
    [("ehp_referral", REFERRAL_PATH, "escalated"), ("ewrr", EWRR_PATH, "activated")],
)
def test_a_closed_alert_is_corrected_only_after_a_reopen_on_record(
    hcr: TestClient, ocha: TestClient, kind: str, path: list, closed_from: str
) -> None:  # type: ignore[no-untyped-def]
    alert_id = walk(hcr, ocha, kind, path)["id"]
    url = f"/api/v1/alerts/{alert_id}"
    for client in (hcr, ocha):
        frozen = client.patch(url, json={"severity": 5})
        assert (frozen.status_code, frozen.headers["content-type"]) == (409, PROBLEM)
        assert f"/alerts/{alert_id}/reopen" in frozen.json()["detail"]
    assert ocha.get(url).json()["severity"] == 3

    refused = hcr.post(f"{url}/reopen", json={"reason": "wrong severity"})
    assert refused.status_code == 403
    reopened = ocha.post(f"{url}/reopen", json={"reason": "wrong severity"})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == closed_from

    last = ocha.get(f"{url}/timeline").json()[-1]
    assert (last["to_status"], last["note"]) == (closed_from, "wrong severity")
    # The secretariat reads alerts and the audit log (the admin sees no alert's events).
    params = {"action": "alert.reopen", "entity_id": str(alert_id)}
    [event] = ocha.get("/api/v1/audit-events", params=params).json()["items"]
    assert event["changes"]["status"] == {"old": "closed", "new": closed_from}
    assert ocha.patch(url, json={"severity": 5}).json()["severity"] == 5


def test_only_a_closed_alert_is_reopened(hcr: TestClient, ocha: TestClient) -> None:
    alert = walk(hcr, ocha, "ewrr", EWRR_PATH[:2])  # shared, acknowledged
    again = ocha.post(f"/api/v1/alerts/{alert['id']}/reopen", json={"reason": "x"})
    assert (again.status_code, again.headers["content-type"]) == (409, PROBLEM)


def test_a_reopen_needs_a_reason(hcr: TestClient, ocha: TestClient) -> None:
    alert_id = walk(hcr, ocha, "ewrr", EWRR_PATH)["id"]
    response = ocha.post(f"/api/v1/alerts/{alert_id}/reopen", json={})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


@pytest.mark.parametrize("field", ["occurred_on", "reported_on"])
def test_an_alert_dated_past_the_bounds_is_refused(hcr: TestClient, field: str) -> None:
    response = hcr.post("/api/v1/alerts", json=alert_body(**{field: "9999-12-31"}))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
