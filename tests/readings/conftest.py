"""Helpers for the readings tests: post readings as a given role and organisation."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ehp_api.access.permissions import Role


@pytest.fixture
def hcr(client_as: Callable[..., TestClient]) -> TestClient:
    return client_as(Role.partner, "HCR")


@pytest.fixture
def unicef(client_as: Callable[..., TestClient]) -> TestClient:
    return client_as(Role.partner, "UNICEF")


@pytest.fixture
def ocha(client_as: Callable[..., TestClient]) -> TestClient:
    return client_as(Role.secretariat, "OCHA")


@pytest.fixture
def analyst(client_as: Callable[..., TestClient]) -> TestClient:
    return client_as(Role.analyst, "OCHA")


def count_reading(**overrides: Any) -> dict[str, Any]:
    """A valid count reading for 1.1.1.1 (planned 2020Q3..2022Q4, with a zone breakdown)."""
    return {
        "indicator": "1.1.1.1",
        "period": "2021Q2",
        "location": "ML0701",
        "value": 4,
        **overrides,
    }
