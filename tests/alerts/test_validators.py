"""ETag, If-None-Match and If-Match on an alert: the tag follows what the caller sees."""

from fastapi.testclient import TestClient

from ehp_api.web.validators import etag_of
from tests.alerts.conftest import create, step


def test_an_alert_answers_304_to_its_own_etag_and_a_new_one_after_a_change(
    hcr: TestClient,
) -> None:
    alert = create(hcr)
    url = f"/api/v1/alerts/{alert['id']}"
    tag = hcr.get(url).headers["ETag"]
    assert hcr.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert hcr.patch(url, json={"severity": 4}).status_code == 200
    again = hcr.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 200
    assert again.headers["ETag"] != tag


def test_a_stale_if_match_is_refused_with_412_and_a_current_one_applies(hcr: TestClient) -> None:
    alert = create(hcr)
    url = f"/api/v1/alerts/{alert['id']}"
    tag = hcr.get(url).headers["ETag"]
    changed = hcr.patch(url, json={"severity": 4}, headers={"If-Match": tag})
    assert changed.status_code == 200
    stale = hcr.patch(url, json={"severity": 5}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["errors"][0]["field"] == "If-Match"
    refused = step(hcr, alert["id"], "shared")  # no If-Match: applies as before
    assert refused.status_code == 200
    moved = hcr.post(
        f"{url}/transitions",
        json={"to": "escalated", "on": "2021-05-05"},
        headers={"If-Match": changed.headers["ETag"]},
    )
    assert moved.status_code == 412
    assert hcr.get(url).json()["severity"] == 4


def test_the_etag_is_the_digest_of_the_body_the_caller_is_answered(
    hcr: TestClient, analyst: TestClient
) -> None:
    """A restricted reader's tag is made of its own answer (no narrative, no source), so it
    moves with nothing it cannot see: the same alert tags differently for each view."""
    alert = create(hcr)
    assert step(hcr, alert["id"], "shared").status_code == 200
    url = f"/api/v1/alerts/{alert['id']}"
    restricted, full = analyst.get(url), hcr.get(url)
    assert "narrative" not in restricted.json()
    assert "narrative" in full.json()
    assert restricted.headers["ETag"] == etag_of(restricted.content)
    assert full.headers["ETag"] == etag_of(full.content) != restricted.headers["ETag"]
