"""GET /indicators/{code}/values: the aggregation rules on planted data, and computed values."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ehp_api.access.permissions import Role


@pytest.fixture
def post_validated(client_as: Callable[..., TestClient]) -> Callable[..., dict]:
    partners: dict[str, TestClient] = {}
    ocha = client_as(Role.secretariat, "OCHA")

    def post(org: str, validate: bool = True, **body: Any) -> dict:
        partner = partners.setdefault(org, client_as(Role.partner, org))
        reading = partner.post("/api/v1/readings", json=body)
        assert reading.status_code == 201, reading.text
        if validate:
            assert ocha.post(f"/api/v1/readings/{reading.json()['id']}/validate").status_code == 200
        return reading.json()

    return post


def values(client: TestClient, code: str, **params: str) -> list[dict]:
    response = client.get(f"/api/v1/indicators/{code}/values", params=params)
    assert response.status_code == 200, response.text
    return response.json()["values"]


def at(points: list[dict], period: str, group: str | None = None) -> dict:
    return next(p for p in points if p["period"] == period and p["group"] == group)


def test_a_count_sums_validated_totals_with_its_liptako_share(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    post_validated("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
    post_validated("UNICEF", indicator="1.1.1.1", period="2021Q2", location="ML0901", value=6)
    post_validated("UNFPA", validate=False, indicator="1.1.1.1", period="2021Q2", value=100)
    point = at(values(client, "1.1.1.1", **{"from": "2021Q2", "to": "2021Q2"}), "2021Q2")
    assert (point["value"], point["liptako_gourma_share"]) == (10, 40.0)
    assert (point["records"], point["organisations"]) == (2, 2)
    zones = values(client, "1.1.1.1", **{"from": "2021Q2", "to": "2021Q2", "group_by": "zone"})
    assert {p["group"]: p["value"] for p in zones} == {"liptako_gourma": 4, "other": 6}


def test_a_percentage_is_the_sum_of_fractions_not_an_average(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    post_validated("OCHA", indicator="1.1.3.1", period="2021Q1", numerator=1, denominator=2)
    post_validated("OCHA", indicator="1.1.3.1", period="2021Q2", numerator=1, denominator=8)
    point = at(values(client, "1.1.3.1", **{"from": "2021", "to": "2021"}), "2021")
    assert (point["value"], point["numerator"], point["denominator"]) == (20.0, 2, 10)  # not 31.25


def test_a_yes_no_indicator_is_achieved_from_its_first_true(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    post_validated("HCR", indicator="1.2.6.1", period="2021Q1", value=False)
    post_validated("HCR", indicator="1.2.6.1", period="2021Q3", value=True)
    points = values(client, "1.2.6.1", **{"from": "2020Q4", "to": "2022Q1"})
    assert [p["value"] for p in points] == [None, False, None, True, True, True]
    assert at(points, "2022Q1")["achieved_in"] == "2021Q3"


def test_a_year_sums_its_quarters_without_counting_twice(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    for period, value in (("2021Q1", 2), ("2021Q2", 3)):
        post_validated("HCR", indicator="1.1.1.2", period=period, value=value)
    post_validated("HCR", indicator="1.1.1.2", period="2021", value=50)  # HCR posted quarters
    post_validated("UNICEF", indicator="1.1.1.2", period="2021", value=7)  # UNICEF did not
    point = at(values(client, "1.1.1.2", **{"from": "2021", "to": "2021"}), "2021")
    assert (point["value"], point["records"]) == (12, 3)


def test_breakdowns_other_than_zone_are_not_added_to_the_total(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    body = {"indicator": "2.2.3.2", "period": "2022Q1"}
    post_validated("HCR", **body, value=30)
    post_validated("HCR", **body, disaggregation={"participant_type": "ngo"}, value=12)
    assert (
        at(values(client, "2.2.3.2", **{"from": "2022Q1", "to": "2022Q1"}), "2022Q1")["value"] == 30
    )


def test_grouping_by_organisation(client: TestClient, post_validated: Callable[..., dict]) -> None:
    post_validated("HCR", indicator="1.1.1.2", period="2021Q1", value=2)
    post_validated("UNICEF", indicator="1.1.1.2", period="2021Q1", value=5)
    points = values(
        client, "1.1.1.2", **{"from": "2021Q1", "to": "2021Q1", "group_by": "organisation"}
    )
    assert {p["group"]: p["value"] for p in points} == {"HCR": 2, "UNICEF": 5}


def test_periods_must_be_alike_and_in_order(client: TestClient) -> None:
    mixed = client.get("/api/v1/indicators/1.1.1.1/values", params={"from": "2021", "to": "2022Q1"})
    assert mixed.status_code == 422
    reversed_ = client.get(
        "/api/v1/indicators/1.1.1.1/values", params={"from": "2022Q1", "to": "2021Q1"}
    )
    assert reversed_.json()["errors"][0]["code"] == "reversed_periods"
