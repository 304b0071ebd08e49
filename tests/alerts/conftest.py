"""Helpers for the alerts tests."""

from typing import Any

from fastapi.testclient import TestClient

NARRATIVE = "MARKER-NARRATIVE armed men entered the site at night"


def alert_body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "ewrr", "category": "attack_on_civilians", "location": "ML0701",
        "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 3,
        "affected_group": "idps", "affected_people": 120, "narrative": NARRATIVE,
        "external_ref": "hcr-gao-0412", **overrides,
    }  # fmt: skip


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/alerts", json=alert_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def step(client: TestClient, alert_id: int, to: str, on: str = "2021-05-04", **fields: Any):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/alerts/{alert_id}/transitions", json={"to": to, "on": on, **fields}
    )
