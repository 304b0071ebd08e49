"""A yes/no field of a request body takes true or false, not 0, 1 or "yes" (found by the long
schema fuzzing run: `{"ehp_member": 0}` was stored as false)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.complaints.conftest import complaint, named


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, (field, response.status_code, response.text)
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f == field or f.endswith(f".{field}") for f in fields), fields


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_organisation_membership(client_as: Callable[..., TestClient], value: object) -> None:
    admin = client_as(Role.admin, "OCHA")
    _refused(admin.patch("/api/v1/organisations/HCR", json={"ehp_member": value}), "ehp_member")
    body = {"code": "NEW-NGO", "name_fr": "Nouvelle ONG", "kind": "ngo", "ehp_member": value}
    _refused(admin.post("/api/v1/organisations", json=body), "ehp_member")
    assert admin.get("/api/v1/organisations/HCR").json()["ehp_member"] is True


@pytest.mark.parametrize("value", [0, 1, "false"])
def test_trigger_rule_and_user_flags(
    client_as: Callable[..., TestClient], ocha: TestClient, value: object
) -> None:
    _refused(ocha.patch("/api/v1/trigger-rules/severity", json={"active": value}), "active")
    admin = client_as(Role.admin, "OCHA")
    body = {"email": "flag@hcr.example", "display_name": "F", "organisation": "HCR",
            "role": "partner", "password": "correct horse battery"}  # fmt: skip
    user = admin.post("/api/v1/users", json=body).json()
    _refused(admin.patch(f"/api/v1/users/{user['id']}", json={"is_active": value}), "is_active")


@pytest.mark.parametrize("value", [0, 1, "yes"])
def test_complaint_flags(hcr: TestClient, value: object) -> None:
    for body, field in (
        (complaint(sensitive=value), "sensitive"),
        (complaint(complainant=named(consent_to_contact=value)), "consent_to_contact"),
        (complaint(complainant={"anonymous": value}), "anonymous"),
    ):
        _refused(hcr.post("/api/v1/complaints", json=body), field)
