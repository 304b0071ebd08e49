"""GET /indicators/{code}/values: the aggregation rules on planted data, and computed values."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.complaints.conftest import create, move


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
    post_validated("OCHA", indicator="1.1.5.1", period="2021Q1", numerator=1, denominator=2)
    post_validated("OCHA", indicator="1.1.5.1", period="2021Q2", numerator=1, denominator=8)
    point = at(values(client, "1.1.5.1", **{"from": "2021", "to": "2021"}), "2021")
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


def refusal(response: Any) -> tuple[int, list[tuple[str, str, str]]]:
    errors = response.json().get("errors", [])
    return response.status_code, [(e["location"], e["field"], e["code"]) for e in errors]


def test_periods_must_be_alike_and_in_order(client: TestClient) -> None:
    """Kills the `mixed_periods` refusal losing its code or naming the wrong parameter."""
    mixed = client.get("/api/v1/indicators/1.1.1.1/values", params={"from": "2021", "to": "2022Q1"})
    assert refusal(mixed) == (422, [("query", "to", "mixed_periods")])
    reversed_ = client.get(
        "/api/v1/indicators/1.1.1.1/values", params={"from": "2022Q1", "to": "2021Q1"}
    )
    assert reversed_.json()["errors"][0]["code"] == "reversed_periods"


@pytest.mark.parametrize(
    ("params", "field"), [({"from": "2019Q1"}, "from"), ({"to": "2030"}, "to")]
)
def test_a_period_outside_the_plan_is_named(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    """Kills the `unknown_period` check dropped (a KeyError, a 500) or naming the other end."""
    response = client.get("/api/v1/indicators/1.1.1.1/values", params=params)
    assert refusal(response) == (422, [("query", field, "unknown_period")])


def refer_in_2021q2(hcr: TestClient, unicef: TestClient, places: list[str | None]) -> None:
    """A complaint received at each place, all referred to UNICEF in 2021 Q2; the first
    answered."""
    ids = [create(hcr, received_on="2021-05-02", location=p)["id"] for p in places]
    for complaint_id in ids:
        move(hcr, complaint_id, "referred", organisation="UNICEF", on="2021-05-03",
             due_on="2021-12-31")  # fmt: skip
    move(unicef, ids[0], "accepted", on="2021-05-04")
    move(unicef, ids[0], "responded", on="2021-05-20", response="Answered.",
         response_method="in_person")  # fmt: skip


def test_a_complaint_computed_indicator_has_values(
    client: TestClient, hcr: TestClient, unicef: TestClient
) -> None:
    """Kills the computed source of `/values` broken or swapped for the (empty) kept figures:
    3.2.1.5 counts the complaints referred in the quarter, with the share answered."""
    refer_in_2021q2(hcr, unicef, ["ML0506"] * 3)
    response = client.get(
        "/api/v1/indicators/3.2.1.5/values", params={"from": "2021Q2", "to": "2021Q3"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "computed"
    q2, q3 = response.json()["values"]
    assert (q2["period"], q2["value"]) == ("2021Q2", 3)
    assert (q2["parts"]["referred"], q2["parts"]["with_response"]) == (3, 1)
    assert (q3["period"], q3["value"]) == ("2021Q3", 0)


def test_a_complaint_computed_indicator_grouped_by_zone_adds_up_to_its_total(
    client: TestClient, hcr: TestClient, unicef: TestClient
) -> None:
    """`group_by=zone` of 3.2.1.5 gave one group, null, valued 0, whatever was referred (the
    complaint figures carried no zones). Each complaint counts in the zone of its location
    (ML0506 Mopti in Liptako Gourma, ML0901 Bamako not), those without a location in the null
    group, and the groups add up to the total; each group has its own parts."""
    refer_in_2021q2(hcr, unicef, ["ML0506", "ML0506", "ML0901", None])
    quarters = {"from": "2021Q2", "to": "2021Q3"}
    points = values(client, "3.2.1.5", **quarters, group_by="zone")
    q2 = {p["group"]: p for p in points if p["period"] == "2021Q2"}
    assert {zone: p["value"] for zone, p in q2.items()} == {
        "liptako_gourma": 2, "other": 1, None: 1,
    }  # fmt: skip
    assert sum(p["value"] for p in q2.values()) == at(values(client, "3.2.1.5", **quarters),
                                                      "2021Q2")["value"]  # fmt: skip
    liptako = q2["liptako_gourma"]["parts"]
    assert (liptako["referred"], liptako["with_response"], liptako["share_with_response"]) == (
        2, 1, 50.0,
    )  # fmt: skip
    assert (q2["other"]["parts"]["referred"], q2["other"]["parts"]["with_response"]) == (1, 0)
    q3 = {p["group"]: p["value"] for p in points if p["period"] == "2021Q3"}
    assert q3 == {"liptako_gourma": 0, "other": 0, None: 0}  # null: the plan to date has one
    q1 = {p["group"]: p["value"] for p in points_of(client, "2021Q1")}
    assert q1 == {"liptako_gourma": 0, "other": 0}  # no complaint without a place yet


def points_of(client: TestClient, quarter: str) -> list[dict]:
    return values(client, "3.2.1.5", **{"from": quarter, "to": quarter, "group_by": "zone"})


def test_grouping_by_location_gives_each_place_its_own_figure(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    """Kills `group_by=location` turned into a 500 or into the plain total: a region and its
    cercle are each given, and only the total keeps them from being added."""
    for location, value in (("ML0701", 1), ("ML0901", 2), ("ML07", 5)):
        post_validated("HCR", indicator="1.1.1.1", period="2021Q2", location=location, value=value)
    quarter = {"from": "2021Q2", "to": "2021Q2"}
    places = values(client, "1.1.1.1", **quarter, group_by="location")
    assert {p["group"]: p["value"] for p in places} == {"ML07": 5, "ML0701": 1, "ML0901": 2}
    total = at(values(client, "1.1.1.1", **quarter), "2021Q2")
    assert (total["value"], total["flags"]) == (7, ["region_and_cercles"])


def test_a_share_is_rounded_to_two_decimals(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    """Kills the rounding of shares in `progress.points._shares` changed (5 of 7 is 71.43 %,
    not 71.4 or 71.428...)."""
    post_validated("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=5)
    post_validated("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0901", value=2)
    point = at(values(client, "1.1.1.1", **{"from": "2021Q2", "to": "2021Q2"}), "2021Q2")
    assert point["liptako_gourma_share"] == 71.43


def test_a_reading_by_zone_and_another_category_stays_out_of_the_total(
    client: TestClient, post_validated: Callable[..., dict]
) -> None:
    """Kills `if not c.breakdown` in progress.grain dropped or inverted: a reading placed in a
    zone (by its location) and broken down by participant type is a breakdown of that place's
    total, never added to it."""
    body = {"indicator": "2.2.3.2", "period": "2022Q1", "location": "ML0701"}
    post_validated("HCR", **body, value=30)
    post_validated("HCR", **body, disaggregation={"participant_type": "ngo"}, value=12)
    point = at(values(client, "2.2.3.2", **{"from": "2022Q1", "to": "2022Q1"}), "2022Q1")
    assert point["value"] == 30
    assert point["breakdown"]["participant_type"]["ngo"] == 12, point["breakdown"]
