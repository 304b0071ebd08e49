"""/indicators/{code}/targets: the secretariat sets baselines and yearly targets; the figures
show progress against them."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.progress.conftest import dashboard, on_board, point, workbook_rows

URL = "/api/v1/indicators/{}/targets"
GOALS = {
    "baselines": [{"value": 2, "measured_on": "2020-06-30", "note": "HRP 2020"}],
    "targets": [
        {"year": 2021, "value": 20},
        {"year": 2021, "zone": "liptako_gourma", "value": 10},
        {"year": 2022, "value": 30},
    ],
}


class TestSet:
    def test_the_secretariat_sets_them_and_everyone_reads_them(
        self, ocha: TestClient, client: TestClient
    ) -> None:
        response = ocha.put(URL.format("3.1.1.1"), json=GOALS)
        assert response.status_code == 200, response.text
        body = client.get(URL.format("3.1.1.1")).json()
        assert body["targets"][0] == {"year": 2021, "zone": None, "value": 20, "note": None}
        assert body["baselines"] == [
            {"zone": None, "value": 2, "measured_on": "2020-06-30", "note": "HRP 2020"}
        ]
        assert body["set_by"].startswith("ehpk_")

    def test_the_plan_sets_none(self, client: TestClient) -> None:
        body = client.get(URL.format("1.1.1.1")).json()
        assert (body["baselines"], body["targets"]) == ([], [])

    def test_a_partner_may_not(self, hcr: TestClient) -> None:
        assert hcr.put(URL.format("3.1.1.1"), json=GOALS).status_code == 403

    def test_setting_is_audited(self, ocha: TestClient) -> None:
        ocha.put(URL.format("3.1.1.1"), json=GOALS)
        events = ocha.get("/api/v1/audit-events", params={"action": "indicator_targets.replace"})
        [event] = events.json()["items"]
        assert event["entity_id"] == "3.1.1.1"
        assert event["changes"]["targets"]["old"] == []

    def test_a_put_replaces_the_whole_set(self, ocha: TestClient) -> None:
        ocha.put(URL.format("3.1.1.1"), json=GOALS)
        ocha.put(URL.format("3.1.1.1"), json={"targets": [{"year": 2022, "value": 1}]})
        body = ocha.get(URL.format("3.1.1.1")).json()
        assert (len(body["targets"]), body["baselines"]) == (1, [])


class TestRefused:
    def check(self, ocha: TestClient, code: str, body: dict, refusal: str) -> None:
        response = ocha.put(URL.format(code), json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["code"] == refusal

    def test_amounts_are_what_the_indicator_measures(self, ocha: TestClient) -> None:
        self.check(ocha, "3.1.1.1", {"targets": [{"year": 2021, "value": 2.5}]}, "count_required")
        over = {"targets": [{"year": 2021, "value": 120}]}
        self.check(ocha, "1.1.3.1", over, "percentage_out_of_range")
        self.check(ocha, "2.1.1.1", {"targets": [{"year": 2021, "value": 1}]}, "boolean_required")

    def test_a_zone_only_where_the_indicator_has_one(self, ocha: TestClient) -> None:
        body = {"targets": [{"year": 2021, "zone": "liptako_gourma", "value": 1}]}
        self.check(ocha, "1.1.1.2", body, "unknown_category")

    def test_years_of_the_plan_once_each(self, ocha: TestClient) -> None:
        self.check(ocha, "3.1.1.1", {"targets": [{"year": 2019, "value": 1}]}, "unknown_period")
        twice = {"targets": [{"year": 2021, "value": 1}, {"year": 2021, "value": 2}]}
        self.check(ocha, "3.1.1.1", twice, "duplicate")


class TestProgress:
    def test_achieved_to_date_against_the_years_target_everywhere(
        self, ocha: TestClient, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        ocha.put(URL.format("3.1.1.1"), json=GOALS)
        plant("HCR", indicator="3.1.1.1", period="2021Q1", location="ML0701", value=4)
        plant("UNICEF", indicator="3.1.1.1", period="2021Q2", location="ML0901", value=6)
        whole, liptako = point(client, "3.1.1.1", "2021Q2")["targets"]
        assert (whole["achieved_to_date"], whole["target"], whole["percent_of_target"]) == (
            10,
            20,
            50.0,
        )
        assert (whole["baseline"], liptako["zone"], liptako["achieved_to_date"]) == (
            2,
            "liptako_gourma",
            4,
        )
        assert liptako["percent_of_target"] == 40.0
        board = on_board(dashboard(client, "2021Q2"), "3.1.1.1")
        assert board["targets"][0]["percent_of_target"] == 50.0
        row = workbook_rows(client)["3.1.1.1"]
        assert (row["baseline"], row["target 2021"], row["% of target 2021"]) == (2, 20, 50.0)

    def test_a_yes_no_target_is_met_or_not(
        self, ocha: TestClient, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        ocha.put(URL.format("2.1.1.1"), json={"targets": [{"year": 2021, "value": True}]})
        assert point(client, "2.1.1.1", "2021Q1")["targets"][0]["percent_of_target"] == 0.0
        plant("OCHA", indicator="2.1.1.1", period="2021Q2", value=True)
        assert point(client, "2.1.1.1", "2021Q2")["targets"][0]["achieved_to_date"] is True
