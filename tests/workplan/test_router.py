"""The work plan read API: the whole plan, its filters, nesting and pagination."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from ehp_api.core.pagination import encode_cursor
from tests.helpers import all_items, codes

ALL_ACTIVITIES = [
    "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5",
    "1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.5", "1.2.6",
    "1.3.1", "1.3.2",
    "2.1.1", "2.1.2", "2.1.3", "2.1.4",
    "2.2.1", "2.2.2", "2.2.3",
    "3.1.1", "3.1.2", "3.1.3",
    "3.2.1", "3.2.2",
]  # fmt: skip


class TestListActivities:
    def test_lists_the_whole_plan_in_document_order(self, client: TestClient) -> None:
        assert codes(all_items(client, "/api/v1/activities")) == ALL_ACTIVITIES

    def test_pages_follow_the_cursor_without_gaps_or_repeats(self, client: TestClient) -> None:
        first = client.get("/api/v1/activities", params={"limit": 10}).json()
        assert first["limit"] == 10
        assert len(first["items"]) == 10
        assert first["next_cursor"]
        assert codes(all_items(client, "/api/v1/activities", limit=10)) == ALL_ACTIVITIES

    def test_filters_by_axis_and_objective(self, client: TestClient) -> None:
        axis_2 = codes(all_items(client, "/api/v1/activities", axis="2"))
        assert axis_2 == ["2.1.1", "2.1.2", "2.1.3", "2.1.4", "2.2.1", "2.2.2", "2.2.3"]
        assert codes(all_items(client, "/api/v1/activities", objective="1.3")) == ["1.3.1", "1.3.2"]
        assert all_items(client, "/api/v1/activities", axis="1", objective="2.1") == []

    def test_filters_by_lead_including_tout_ehp(self, client: TestClient) -> None:
        led_by_hcr = codes(all_items(client, "/api/v1/activities", lead="HCR"))
        assert {"1.1.1", "1.1.2", "1.1.3", "1.2.1", "2.1.3", "2.2.3", "3.1.3"} <= set(led_by_hcr)
        # HCR is an EHP member, so it leads the "Tout EHP" activities too.
        assert {"1.2.4", "2.1.1", "3.2.1"} <= set(led_by_hcr)
        assert "1.2.2" not in led_by_hcr

    def test_lead_filter_for_a_non_member_excludes_tout_ehp(self, client: TestClient) -> None:
        assert all_items(client, "/api/v1/activities", lead="MINUSMA") == []
        assert codes(all_items(client, "/api/v1/activities", actor="MINUSMA")) == [
            "1.2.3", "1.2.5", "1.3.1", "2.1.1", "3.2.2",
        ]  # fmt: skip

    def test_filters_by_planned_quarter_and_year(self, client: TestClient) -> None:
        q1 = codes(all_items(client, "/api/v1/activities", planned_in="2020Q1"))
        assert q1 == ["1.1.2", "1.1.3", "3.2.2"]
        q2 = codes(all_items(client, "/api/v1/activities", planned_in="2020Q2"))
        assert q2 == ["1.1.2", "1.1.3", "1.2.5", "3.2.2"]
        in_2022 = codes(all_items(client, "/api/v1/activities", planned_in="2022"))
        assert "1.2.1" not in in_2022
        assert "1.3.1" not in in_2022
        assert "2.2.1" not in in_2022
        assert len(in_2022) == 22

    def test_filters_by_liptako_gourma(self, client: TestClient) -> None:
        liptako = codes(all_items(client, "/api/v1/activities", liptako_gourma="true"))
        assert {"1.1.1", "1.2.1", "2.1.4", "2.2.1", "3.1.1", "3.1.3"} <= set(liptako)
        assert "1.1.3" not in liptako

    def test_unknown_planned_period_is_a_422_naming_the_filter(self, client: TestClient) -> None:
        response = client.get("/api/v1/activities", params={"planned_in": "2019Q1"})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "planned_in"

    def test_a_forged_cursor_is_refused(self, client: TestClient) -> None:
        response = client.get("/api/v1/activities", params={"cursor": "not-a-cursor"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cursor"

    def test_a_cursor_past_the_id_range_is_refused_not_a_server_error(
        self, client: TestClient
    ) -> None:
        # Found while fixing the ids of the fuzzing finding: the driver overflowed on it (500).
        for after in (10**20, -(10**20)):
            cursor = encode_cursor(after)
            response = client.get("/api/v1/activities", params={"cursor": cursor})
            assert response.status_code == 422, after
            assert response.json()["errors"][0]["field"] == "cursor"

    def test_statement_count_does_not_grow_with_the_page(
        self, client: TestClient, engine: Engine
    ) -> None:
        def statements_for(limit: int) -> int:
            seen: list[str] = []

            def record(*args: object) -> None:
                seen.append(str(args[2]))

            event.listen(engine, "before_cursor_execute", record)
            try:
                assert client.get("/api/v1/activities", params={"limit": limit}).status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", record)
            return len([s for s in seen if not s.startswith(("SAVEPOINT", "RELEASE"))])

        client.get("/api/v1/me")  # the key's first use records last_used_at: not what we measure
        assert statements_for(2) == statements_for(25)


class TestGetActivity:
    def test_nests_indicators_leads_actors_and_schedule(self, client: TestClient) -> None:
        activity = client.get("/api/v1/activities/1.1.1").json()
        assert activity["axis"] == "1"
        assert activity["objective"] == "1.1"
        assert [i["code"] for i in activity["indicators"]] == ["1.1.1.1", "1.1.1.2", "1.1.1.3"]
        leads = [(lead["organisation"]["code"], lead["role"]) for lead in activity["leads"]]
        assert leads == [("HCR", None), ("UNICEF", None), ("UNFPA", None), ("OCHA", "Secrétariat")]
        actors = [a["organisation"]["code"] for a in activity["other_actors"]]
        assert actors == ["CLUSTER-PROTECTION", "PROCAP"]
        assert activity["other_actors"][1]["tentative"] is True
        assert activity["planned_periods"] == ["2020Q3", "2020Q4"] + [
            f"{y}Q{q}" for y in (2021, 2022) for q in range(1, 5)
        ]

    def test_tout_ehp_is_a_flag_not_an_organisation(self, client: TestClient) -> None:
        activity = client.get("/api/v1/activities/2.1.2").json()
        assert activity["all_ehp_members"] is True
        assert activity["leads"] == []

    def test_shifted_row_of_3_2_1_is_read_as_the_issue_says(self, client: TestClient) -> None:
        activity = client.get("/api/v1/activities/3.2.1").json()
        assert activity["other_actors"] == []
        first_2020 = [
            [p for p in i["planned_periods"] if p.startswith("2020")]
            for i in activity["indicators"]
        ]
        assert first_2020[:4] == [["2020Q3"], ["2020Q3"], ["2020Q3"], ["2020Q4"]]
        # 3.2.1.5 (cases referred) is computed from the complaints: monitored every quarter.
        assert first_2020[4] == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]

    def test_unknown_code_is_a_404_problem(self, client: TestClient) -> None:
        response = client.get("/api/v1/activities/9.9.9")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "9.9.9" in response.json()["detail"]


class TestAxesAndObjectives:
    def test_three_axes_with_their_objectives(self, client: TestClient) -> None:
        axes = all_items(client, "/api/v1/axes")
        assert [(a["code"], [o["code"] for o in a["objectives"]]) for a in axes] == [
            ("1", ["1.1", "1.2", "1.3"]),
            ("2", ["2.1", "2.2"]),
            ("3", ["3.1", "3.2"]),
        ]

    def test_nexus_objectives(self, client: TestClient) -> None:
        assert codes(all_items(client, "/api/v1/objectives", nexus="true")) == ["1.3", "2.2"]

    def test_objective_lists_its_activities(self, client: TestClient) -> None:
        objective = client.get("/api/v1/objectives/3.2").json()
        assert [a["code"] for a in objective["activities"]] == ["3.2.1", "3.2.2"]
        assert objective["axis"] == "3"

    def test_strategy_dates(self, client: TestClient) -> None:
        strategy = client.get("/api/v1/strategy").json()
        assert (strategy["starts_on"], strategy["ends_on"]) == ("2020-01-01", "2022-12-31")
