"""A PATCH body's explicit `null` for a field that cannot be empty: a 422 naming the field,
never a 500 (found by the long schema fuzzing run: `{"reported_on": null}` on an alert)."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.alerts.conftest import create as create_alert
from tests.readings.test_review import create as create_reading


def _refused(response, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, (field, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field, response.json()


@pytest.mark.parametrize(
    "field",
    ["category", "location", "occurred_on", "reported_on", "severity", "affected_group", "links"],
)
def test_an_alert_field_that_cannot_be_empty(hcr: TestClient, field: str) -> None:
    alert = create_alert(hcr)
    before = hcr.get(f"/api/v1/alerts/{alert['id']}").json()
    _refused(hcr.patch(f"/api/v1/alerts/{alert['id']}", json={field: None}), field)
    assert hcr.get(f"/api/v1/alerts/{alert['id']}").json() == before


def test_alert_fields_that_may_be_emptied(hcr: TestClient) -> None:
    alert = create_alert(hcr, external_ref="hcr-1", affected_people=12)
    changed = hcr.patch(
        f"/api/v1/alerts/{alert['id']}", json={"external_ref": None, "affected_people": None}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["external_ref"], changed.json()["affected_people"]) == (None, None)


@pytest.mark.parametrize("field", ["name_fr", "kind", "ehp_member"])
def test_an_organisation_field_that_cannot_be_empty(
    client_as: Callable[..., TestClient], field: str
) -> None:
    admin = client_as(Role.admin, "OCHA")
    _refused(admin.patch("/api/v1/organisations/HCR", json={field: None}), field)


@pytest.mark.parametrize("field", ["description", "min_severity", "active"])
def test_a_trigger_rule_field_that_cannot_be_empty(ocha: TestClient, field: str) -> None:
    _refused(ocha.patch("/api/v1/trigger-rules/severity", json={field: None}), field)


@pytest.mark.parametrize("field", ["value", "numerator", "denominator"])
def test_a_reading_value_set_to_null(hcr: TestClient, field: str) -> None:
    # A count indicator's reading: without a value it is refused, naming the value it needs.
    reading = create_reading(hcr)
    response = hcr.patch(f"/api/v1/readings/{reading['id']}", json={field: None})
    _refused(response, "value")
    assert response.json()["errors"][0]["code"] == "count_required"
    assert hcr.get(f"/api/v1/readings/{reading['id']}").json()["value"] == reading["value"]


@pytest.mark.parametrize("field", ["display_name", "role", "is_active", "password"])
def test_a_user_field_that_cannot_be_empty(
    client_as: Callable[..., TestClient], field: str
) -> None:
    admin = client_as(Role.admin, "OCHA")
    body = {"email": "null@hcr.example", "display_name": "N", "organisation": "HCR",
            "role": "partner", "password": "correct horse battery"}  # fmt: skip
    user = admin.post("/api/v1/users", json=body).json()
    _refused(admin.patch(f"/api/v1/users/{user['id']}", json={field: None}), field)


def test_an_empty_list_removes_an_alerts_links(hcr: TestClient) -> None:
    first = create_alert(hcr)
    second = create_alert(hcr, links=[first["id"]])
    assert second["links"] == [first["id"]]
    cleared = hcr.patch(f"/api/v1/alerts/{second['id']}", json={"links": []})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["links"] == []
