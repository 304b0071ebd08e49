"""Indicators: the 54 statements of the plan, their measure types and breakdowns."""

from fastapi.testclient import TestClient

from tests.helpers import all_items, codes


class TestListIndicators:
    def test_the_plan_has_54_indicators_in_document_order(self, client: TestClient) -> None:
        indicators = codes(all_items(client, "/api/v1/indicators"))
        assert len(indicators) == 54
        assert indicators[:4] == ["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.2.1"]
        assert indicators[-1] == "3.2.2.3"

    def test_filters_by_activity(self, client: TestClient) -> None:
        found = codes(all_items(client, "/api/v1/indicators", activity="1.2.1"))
        assert found == ["1.2.1.1", "1.2.1.2", "1.2.1.3"]

    def test_filters_by_measure_type(self, client: TestClient) -> None:
        percentages = codes(all_items(client, "/api/v1/indicators", measure="percentage"))
        assert percentages == ["1.1.3.1", "1.1.5.1", "3.2.2.2"]
        booleans = all_items(client, "/api/v1/indicators", measure="boolean")
        counts = all_items(client, "/api/v1/indicators", measure="count")
        assert len(booleans) + len(counts) + len(percentages) == 54

    def test_filters_by_liptako_gourma(self, client: TestClient) -> None:
        found = all_items(client, "/api/v1/indicators", liptako_gourma="true")
        assert {"1.1.1.1", "1.2.1.3", "1.3.2.3", "3.1.1.2"} <= set(codes(found))
        assert all("liptako" in i["text_fr"].lower() for i in found)

    def test_filters_by_planned_period(self, client: TestClient) -> None:
        found = codes(all_items(client, "/api/v1/indicators", activity="2.2.3", planned_in="2020"))
        assert found == ["2.2.3.1", "2.2.3.2", "2.2.3.4"]  # not the guide (2.2.3.3), due 2022

    def test_unknown_measure_is_a_422(self, client: TestClient) -> None:
        response = client.get("/api/v1/indicators", params={"measure": "ratio"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "measure"


class TestGetIndicator:
    def test_zone_share_is_a_disaggregation(self, client: TestClient) -> None:
        indicator = client.get("/api/v1/indicators/1.1.1.1").json()
        assert indicator["measure"] == "count"
        assert indicator["liptako_gourma"] is True
        [zone] = indicator["disaggregations"]
        assert zone["code"] == "zone"
        assert [o["code"] for o in zone["options"]] == ["liptako_gourma", "other"]

    def test_participants_are_broken_down_by_sector_and_type(self, client: TestClient) -> None:
        indicator = client.get("/api/v1/indicators/2.2.3.2").json()
        categories = [d["code"] for d in indicator["disaggregations"]]
        assert categories == ["participant_sector", "participant_type"]

    def test_percentage_says_what_it_counts(self, client: TestClient) -> None:
        indicator = client.get("/api/v1/indicators/1.1.3.1").json()
        assert indicator["measure"] == "percentage"
        assert indicator["numerator_label"]
        assert indicator["denominator_label"]

    def test_yes_no_statement_is_boolean(self, client: TestClient) -> None:
        assert client.get("/api/v1/indicators/1.2.1.1").json()["measure"] == "boolean"

    def test_per_indicator_schedule(self, client: TestClient) -> None:
        assert client.get("/api/v1/indicators/2.2.3.4").json()["planned_periods"][:2] == [
            "2020Q3", "2020Q4",
        ]  # fmt: skip
        assert client.get("/api/v1/indicators/2.2.3.1").json()["planned_periods"][:2] == [
            "2020Q4", "2021Q1",
        ]  # fmt: skip

    def test_the_nexus_milestones_are_planned_as_their_activity(self, client: TestClient) -> None:
        nexus = ["2020Q3", "2020Q4", "2021Q1", "2021Q2"]
        for n in range(1, 6):
            indicator = client.get(f"/api/v1/indicators/2.2.1.{n}").json()
            assert indicator["planned_periods"] == nexus, n

    def test_participants_are_planned_as_the_sessions_they_count(self, client: TestClient) -> None:
        sessions = client.get("/api/v1/indicators/2.2.3.1").json()["planned_periods"]
        participants = client.get("/api/v1/indicators/2.2.3.2").json()["planned_periods"]
        assert participants == sessions
        assert participants[0] == "2020Q4"

    def test_computed_indicators_are_monitored_every_quarter(self, client: TestClient) -> None:
        for code in ("1.2.1.3", "1.3.2.1", "1.3.2.3", "3.2.1.5", "3.2.2.2"):
            indicator = client.get(f"/api/v1/indicators/{code}").json()
            assert len(indicator["planned_periods"]) == 12, code

    def test_each_indicator_says_how_organisations_combine(self, client: TestClient) -> None:
        meetings = client.get("/api/v1/indicators/1.2.2.1").json()
        assert (meetings["aggregation"], meetings["reporter_of_record"]) == ("collective", "OCHA")
        assert "once" in meetings["aggregation_note"]
        projects = client.get("/api/v1/indicators/3.1.1.1").json()
        assert (projects["aggregation"], projects["reporter_of_record"]) == ("sum", None)
        forum = client.get("/api/v1/indicators/2.1.1.1").json()
        assert forum["boolean_kind"] == "annual"
        mapping = client.get("/api/v1/indicators/2.1.4.1").json()
        assert mapping["boolean_kind"] == "updated"
        zone = next(d for d in meetings["disaggregations"]) if meetings["disaggregations"] else None
        assert zone is None
        share = client.get("/api/v1/indicators/1.3.1.2").json()["disaggregations"][0]
        assert (share["code"], share["share_option"]) == ("setting", "field")

    def test_unknown_code_is_a_404(self, client: TestClient) -> None:
        response = client.get("/api/v1/indicators/1.1.1.9")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


def test_disaggregation_categories_list_their_options(client: TestClient) -> None:
    categories = {c["code"]: c for c in all_items(client, "/api/v1/disaggregations")}
    assert set(categories) == {
        "zone", "setting", "participant_sector", "participant_type", "outcome_type",
    }  # fmt: skip
    outcome_options = [o["code"] for o in categories["outcome_type"]["options"]]
    assert outcome_options == ["public_communication", "information_request", "funding_obtained"]


def test_computed_indicators_say_where_their_values_come_from(client: TestClient) -> None:
    computed = [i for i in all_items(client, "/api/v1/indicators") if i["source"] == "computed"]
    assert codes(computed) == [
        "1.1.1.3", "1.1.3.1", "1.1.4.1", "1.1.4.2",  # the register
        "1.2.1.3", "1.3.2.1", "1.3.2.3", "3.2.1.5", "3.2.2.2",
    ]  # fmt: skip
    assert all(i["computed_from"] for i in computed)
    assert client.get("/api/v1/indicators/1.1.1.1").json()["source"] == "manual"
