"""The history of another organisation's validated reading shows what was validated, never the
values the secretariat sent back nor its reasons."""

from typing import Any

from fastapi.testclient import TestClient

from tests.readings.test_review import create

REASON = "MARKER-REASON Ansongo counted twice"


def test_another_organisations_history_shows_only_its_validations(
    hcr: TestClient, unicef: TestClient, ocha: TestClient, analyst: TestClient
) -> None:
    reading = create(hcr, value=997)
    url = f"/api/v1/readings/{reading['id']}"
    assert ocha.post(f"{url}/reject", json={"reason": REASON}).status_code == 200
    assert hcr.patch(url, json={"value": 4}).status_code == 200
    assert ocha.post(f"{url}/validate").status_code == 200

    whole = hcr.get(f"{url}/history").json()
    assert "rejected" in [h["event"] for h in whole]
    assert REASON in str(whole)
    for outsider in (unicef, analyst):
        response = outsider.get(f"{url}/history")
        assert response.status_code == 200, response.text
        seen = response.json()
        assert [(h["event"], h["new_value"]) for h in seen] == [("validated", 4)]
        assert "MARKER" not in response.text
        assert 997 not in leaves(seen)
        assert not [v for v in leaves(seen) if isinstance(v, str) and "997" in v]


def leaves(value: Any, key: str = "") -> list[Any]:
    """Every value of the answer but the stamps of who and when (a time's digits or a key's prefix
    may hold 997 by chance)."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, k)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v, key)]
    return [] if key in ("changed_at", "changed_by") else [value]
