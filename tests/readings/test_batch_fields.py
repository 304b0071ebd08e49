"""A malformed batch row is reported field by field, every field named once."""

from fastapi.testclient import TestClient


def test_every_invalid_field_of_a_row_is_reported_once(hcr: TestClient) -> None:
    """Kills the `continue` after a union's second error turned into `break` in
    `readings.validation.parse`: `value` (an integer or a boolean, two errors that make one
    conflict) would hide the fields after it."""
    row = {"indicator": "1.1.1.1", "period": "2021Q2", "value": "many", "surplus": 1}
    response = hcr.post(
        "/api/v1/readings/batch", json={"readings": [row]}, params={"mode": "partial"}
    )
    assert response.status_code == 200, response.text
    conflicts = response.json()["conflicts"]
    assert sorted(c["field"] for c in conflicts) == ["surplus", "value"], conflicts
    [value] = [c for c in conflicts if c["field"] == "value"]
    assert "; or: " in value["message"]
