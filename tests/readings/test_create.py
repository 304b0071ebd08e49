"""POST /readings: one reading, stored by its natural key, every refusal explained."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.readings.conftest import count_reading


def post(client: TestClient, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/readings", json=body)


class TestAccepted:
    def test_count_is_created_with_zone_from_the_location(self, hcr: TestClient) -> None:
        response = post(hcr, count_reading(external_ref="hcr-gao-17"))
        assert response.status_code == 201
        reading = response.json()
        assert reading["outcome"] == "created"
        assert reading["organisation"] == "HCR"
        assert reading["location"] == "ML0701"
        assert reading["disaggregation"] == {"zone": "liptako_gourma"}
        assert (reading["value"], reading["status"], reading["off_schedule"]) == (
            4,
            "submitted",
            False,
        )

    def test_location_outside_liptako_is_zone_other(self, hcr: TestClient) -> None:
        reading = post(hcr, count_reading(location="ML0901")).json()
        assert reading["disaggregation"] == {"zone": "other"}

    def test_same_key_again_updates_and_keeps_the_old_value(self, hcr: TestClient) -> None:
        first = post(hcr, count_reading()).json()
        second = post(hcr, count_reading(value=5))
        assert second.status_code == 200
        assert second.json()["outcome"] == "updated"
        assert second.json()["id"] == first["id"]
        [entry] = hcr.get(f"/api/v1/readings/{first['id']}/history").json()
        assert (entry["old_value"], entry["new_value"], entry["event"]) == (4, 5, "value_changed")
        assert entry["changed_by"].startswith("ehpk_")

    def test_identical_value_changes_nothing(self, hcr: TestClient) -> None:
        post(hcr, count_reading())
        again = post(hcr, count_reading())
        assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")

    def test_zone_given_with_the_location_is_the_same_key(self, hcr: TestClient) -> None:
        post(hcr, count_reading())
        same = post(hcr, count_reading(disaggregation={"zone": "liptako_gourma"}))
        assert same.json()["outcome"] == "unchanged"

    def test_percentage_is_computed_from_its_fraction(self, hcr: TestClient) -> None:
        body = {"indicator": "1.1.5.1", "period": "2021Q2", "numerator": 3, "denominator": 8}
        reading = post(hcr, body).json()
        assert (reading["value"], reading["numerator"], reading["denominator"]) == (37.5, 3, 8)

    def test_yes_no_indicator_takes_a_boolean(self, hcr: TestClient) -> None:
        reading = post(hcr, {"indicator": "1.2.6.1", "period": "2021", "value": True}).json()
        assert reading["value"] is True

    def test_unplanned_period_is_accepted_and_flagged(self, hcr: TestClient) -> None:
        reading = post(hcr, {"indicator": "1.2.1.1", "period": "2021Q2", "value": True})
        assert reading.status_code == 201
        assert reading.json()["off_schedule"] is True

    def test_partner_may_name_its_own_organisation(self, hcr: TestClient) -> None:
        assert post(hcr, count_reading(organisation="HCR")).status_code == 201

    def test_secretariat_posts_for_another_organisation(self, ocha: TestClient) -> None:
        reading = post(ocha, count_reading(organisation="UNFPA")).json()
        assert reading["organisation"] == "UNFPA"


REFUSALS = [
    ({"indicator": "9.9.9.9"}, "indicator", "unknown_indicator", "No indicator has the code"),
    ({"indicator": "1.3.2.1"}, "indicator", "computed_indicator", "computed by the service"),
    ({"period": "2023Q1"}, "period", "period_outside_plan", "outside the plan"),
    ({"location": "ML9999"}, "location", "unknown_location", "No location has the P-code"),
    ({"disaggregation": {"sex": "f"}}, "disaggregation.sex", "unknown_category", "no breakdown"),
    ({"location": None, "disaggregation": {"zone": "sahel"}}, "disaggregation.zone",
     "unknown_option", "is not an option of 'zone'"),
    ({"disaggregation": {"zone": "other"}}, "disaggregation.zone", "zone_contradicts_location",
     "ML0701 is in zone 'liptako_gourma'"),
    ({"value": -1}, "value", "count_required", "integer >= 0"),
    ({"value": True}, "value", "count_required", "is a count"),
    ({"value": None}, "value", "count_required", "is a count"),
    ({"numerator": 1, "denominator": 2}, "numerator", "unexpected_numerator", "send `value`"),
    ({"organisation": "UNICEF"}, "organisation", "other_organisation", "You post for HCR only"),
]  # fmt: skip
PERCENTAGE = {"indicator": "1.1.5.1", "period": "2021Q2"}
FRACTION_REFUSALS = [
    ({"value": 40}, "value", "percentage_is_computed", "the percentage is computed"),
    ({"numerator": 3}, "denominator", "fraction_required", "needs `denominator`"),
    ({"numerator": 0, "denominator": 0}, "denominator", "denominator_not_positive", "> 0"),
    ({"numerator": 9, "denominator": 8}, "numerator", "numerator_out_of_range", "between 0 and"),
]


def assert_refused(response: Any, field: str, code: str, message: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (field, code)
    assert message in error["reason"]
    assert message in response.json()["detail"]


class TestRefused:
    @pytest.mark.parametrize(("change", "field", "code", "message"), REFUSALS)
    def test_refusal(
        self, hcr: TestClient, change: dict, field: str, code: str, message: str
    ) -> None:
        assert_refused(post(hcr, count_reading(**change)), field, code, message)

    @pytest.mark.parametrize(("change", "field", "code", "message"), FRACTION_REFUSALS)
    def test_fraction_refusal(
        self, hcr: TestClient, change: dict, field: str, code: str, message: str
    ) -> None:
        assert_refused(post(hcr, {**PERCENTAGE, **change}), field, code, message)

    def test_yes_no_indicator_refuses_a_number(self, hcr: TestClient) -> None:
        response = post(hcr, {"indicator": "1.2.6.1", "period": "2021", "value": 1})
        assert_refused(response, "value", "boolean_required", "true or false")

    def test_secretariat_naming_an_unknown_organisation(self, ocha: TestClient) -> None:
        response = post(ocha, count_reading(organisation="NOPE"))
        assert_refused(response, "organisation", "unknown_organisation", "'NOPE'")

    def test_malformed_period_is_refused_by_the_schema(self, hcr: TestClient) -> None:
        response = post(hcr, count_reading(period="2021-Q2"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "period"

    def test_fields_the_partner_does_not_own_are_refused(self, hcr: TestClient) -> None:
        response = post(hcr, count_reading(status="validated", created_by="someone"))
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} == {"status", "created_by"}

    def test_body_without_json_content_type_says_so(self, hcr: TestClient) -> None:
        response = hcr.post(
            "/api/v1/readings",
            content=b'{"indicator": "1.1.1.1"}',
            headers={"Content-Type": "text/plain"},
        )
        assert response.status_code == 422
        assert "Content-Type: application/json" in response.json()["detail"]

    def test_nothing_is_written_when_refused(self, hcr: TestClient) -> None:
        post(hcr, count_reading(value=-1))
        assert hcr.get("/api/v1/readings").json()["items"] == []
