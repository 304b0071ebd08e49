"""ETag, If-None-Match and If-Match on a complaint."""

from fastapi.testclient import TestClient

from tests.complaints.conftest import BASE, create


def test_a_complaint_answers_304_and_refuses_a_stale_if_match(hcr: TestClient) -> None:
    url = f"{BASE}/{create(hcr)['id']}"
    tag = hcr.get(url).headers["ETag"]
    assert hcr.get(url, headers={"If-None-Match": tag}).status_code == 304
    changed = hcr.patch(url, json={"programme": "Distribution"}, headers={"If-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] == hcr.get(url).headers["ETag"] != tag
    stale = hcr.post(f"{url}/transitions", json={"to": "closed"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    assert hcr.get(url).json()["status"] != "closed"
