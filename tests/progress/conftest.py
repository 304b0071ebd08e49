"""Planting validated readings through the API, and reading the figures back from the values
endpoint, the dashboard and the workplan export."""

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role


@pytest.fixture
def plant(client_as: Callable[..., TestClient], ocha: TestClient) -> Callable[..., dict]:
    """`plant("HCR", validate=True, indicator=..., ...)`: a reading posted by that organisation's
    partner key, then validated by the secretariat unless told not to."""
    partners: dict[str, TestClient] = {}

    def post(org: str, validate: bool = True, **body: Any) -> dict:
        partner = partners.setdefault(org, client_as(Role.partner, org))
        reading = partner.post("/api/v1/readings", json=body)
        assert reading.status_code in (200, 201), reading.text
        if validate:
            answer = ocha.post(f"/api/v1/readings/{reading.json()['id']}/validate")
            assert answer.status_code == 200, answer.text
        return reading.json()

    return post


def series(client: TestClient, code: str, **params: str) -> dict:
    response = client.get(f"/api/v1/indicators/{code}/values", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def point(client: TestClient, code: str, period: str, **params: str) -> dict:
    body = series(client, code, **{"from": period, "to": period, **params})
    [found] = [p for p in body["values"] if p["group"] is None]
    return found


def groups(client: TestClient, code: str, period: str, group_by: str) -> dict[str, dict]:
    body = series(client, code, **{"from": period, "to": period, "group_by": group_by})
    return {p["group"]: p for p in body["values"]}


def dashboard(client: TestClient, period: str) -> dict:
    response = client.get("/api/v1/dashboard", params={"period": period})
    assert response.status_code == 200, response.text
    return response.json()


def on_board(board: dict, code: str) -> dict:
    for axis in board["axes"]:
        for objective in axis["objectives"]:
            for activity in objective["activities"]:
                if activity["code"] == code:
                    return activity
                for indicator in activity["indicators"]:
                    if indicator["code"] == code:
                        return indicator
    raise KeyError(code)


def workbook_rows(client: TestClient) -> dict[str, dict[str, Any]]:
    """Indicator code -> its row of the workplan export, by column name."""
    response = client.get("/api/v1/exports/workplan.xlsx")
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    found = {}
    for name in ("Axis 1", "Axis 2", "Axis 3"):
        _title, header, *rows = book[name].iter_rows(values_only=True)
        for row in rows:
            if row[0] == "indicator":
                found[row[1]] = dict(zip(header, row, strict=True))
    return found
