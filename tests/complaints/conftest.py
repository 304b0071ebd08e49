"""Clients for each role, and helpers to record complaints and move them along their workflow."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role

BASE = "/api/v1/complaints"


def today() -> date:
    return datetime.now(UTC).date()


def days_ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


@pytest.fixture
def oim(client_as: Callable[..., TestClient]) -> TestClient:
    """A partner with nothing to do with the complaints of the tests."""
    return client_as(Role.partner, "OIM")


@pytest.fixture
def psea(client_as: Callable[..., TestClient]) -> TestClient:
    return client_as(Role.psea_focal_point, "UNFPA")


def complaint(**overrides: Any) -> dict[str, Any]:
    """A valid, anonymous complaint about assistance, received today in Mopti."""
    return {
        "channel": "hotline",
        "category": "assistance_complaint",
        "received_on": today().isoformat(),
        "location": "ML0506",
        "description": "Three households in Sévaré were left off the distribution list.",
        "organisation_concerned": "HCR",
        "language": "ff",
        **overrides,
    }


def named(**overrides: Any) -> dict[str, Any]:
    return {
        "anonymous": False,
        "name": "Aminata Diallo",
        "phone": "+223 70 00 00 00",
        "sex": "f",
        "age_group": "18-59",
        "consent_to_contact": True,
        "consent_to_share_identity": False,
        **overrides,
    }


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Record a complaint; returns its receipt."""
    response = client.post(BASE, json=complaint(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def step(client: TestClient, complaint_id: int, to: str, **fields: Any) -> Any:
    return client.post(f"{BASE}/{complaint_id}/transitions", json={"to": to, **fields})


def move(client: TestClient, complaint_id: int, to: str, **fields: Any) -> dict[str, Any]:
    response = step(client, complaint_id, to, **fields)
    assert response.status_code == 200, response.text
    return response.json()


def refer(client: TestClient, complaint_id: int, org: str = "UNICEF", **fields: Any) -> Any:
    fields.setdefault("due_on", (today() + timedelta(days=14)).isoformat())
    return move(client, complaint_id, "referred", organisation=org, **fields)
