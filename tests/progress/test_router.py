"""GET /indicators/{code}/values: each rule of the plan's figures, on planted readings. Every
test here failed on the code before `ehp_api.progress` (summing everything it was given)."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.complaints.conftest import create, move
from tests.progress.conftest import dashboard, groups, on_board, point, series, workbook_rows


class TestCollectiveFacts:
    def test_two_co_leads_reporting_the_same_meetings_count_them_once(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.2.2.1", period="2021Q2", value=2)
        plant("UNICEF", indicator="1.2.2.1", period="2021Q2", value=2)
        found = point(client, "1.2.2.1", "2021Q2")
        assert found["value"] == 2  # was 4
        assert found["counted_organisation"] == "HCR"
        assert found["flags"] == ["not_from_reporter_of_record"]
        assert found["also_reported"] == [{"organisation": "UNICEF", "value": 2, "records": 1}]

    def test_the_reporter_of_record_counts_and_a_disagreement_is_flagged(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("OCHA", indicator="1.2.2.1", period="2021Q2", value=3)
        plant("HCR", indicator="1.2.2.1", period="2021Q2", value=5)
        found = point(client, "1.2.2.1", "2021Q2")
        assert (found["value"], found["counted_organisation"]) == (3, "OCHA")
        assert found["flags"] == ["reporters_disagree"]
        body = series(client, "1.2.2.1", **{"from": "2021Q2", "to": "2021Q2"})
        assert (body["aggregation"], body["reporter_of_record"]) == ("collective", "OCHA")

    def test_the_other_reporters_are_listed_by_code(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        """Kills the sort of `also_reported` by organisation code lost in `points.figures`
        (posted, and numbered in the seed, in another order than their codes')."""
        plant("OCHA", indicator="1.2.2.1", period="2021Q2", value=3)
        for org, value in (("UNICEF", 4), ("OIM", 5), ("HCR", 6)):
            plant(org, indicator="1.2.2.1", period="2021Q2", value=value)
        found = point(client, "1.2.2.1", "2021Q2")
        assert [(o["organisation"], o["value"]) for o in found["also_reported"]] == [
            ("HCR", 6), ("OIM", 5), ("UNICEF", 4),
        ]  # fmt: skip

    def test_each_agencys_own_work_adds_up(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="3.1.1.1", period="2021Q2", value=4)
        plant("UNICEF", indicator="3.1.1.1", period="2021Q2", value=6)
        found = point(client, "3.1.1.1", "2021Q2")
        assert (found["value"], found["organisations"], found["also_reported"]) == (10, 2, [])


class TestGeography:
    def test_a_region_and_its_own_cercles_are_not_added(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML07", value=10)
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML0701", value=4)
        found = point(client, "3.1.1.1", "2021Q2")
        assert found["value"] == 10  # was 14
        assert found["flags"] == ["region_and_cercles"]

    def test_cercles_adding_up_to_more_than_their_region_count_and_are_flagged(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML07", value=5)
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML0701", value=4)
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML0703", value=3)
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML0901", value=1)
        found = point(client, "3.1.1.1", "2021Q2")
        assert found["value"] == 8  # the cercles of Gao (7) and Bamako (1); was 13
        assert found["flags"] == ["region_and_cercles", "cercles_exceed_region"]
        assert "2 more" in found["notes"][1]

    def test_grouped_by_location_each_place_shows_its_own_figure(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML07", value=10)
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML0701", value=4)
        found = groups(client, "3.1.1.1", "2021Q2", "location")
        assert {g: p["value"] for g, p in found.items()} == {"ML07": 10, "ML0701": 4}

    def test_a_year_reading_for_a_region_with_quarterly_cercles_is_not_added(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="3.1.1.1", period="2021", location="ML07", value=20)
        plant("HCR", indicator="3.1.1.1", period="2021Q1", location="ML0701", value=3)
        assert point(client, "3.1.1.1", "2021")["value"] == 3  # was 23


class TestZoneShare:
    def test_the_liptako_gourma_share_is_over_readings_whose_zone_is_known(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        for org, place in (("HCR", "ML0501"), ("UNICEF", "ML0601"), ("UNFPA", "ML0701")):
            plant(org, indicator="3.1.1.1", period="2021Q2", location=place, value=2)
        plant("OIM", indicator="3.1.1.1", period="2021Q2", location="ML0801", value=1)
        plant("FONGIM", indicator="3.1.1.1", period="2021Q2", location="ML0901", value=1)
        plant("HCR", indicator="3.1.1.1", period="2021Q2", location="ML1001", value=0)
        plant("OCHA", indicator="3.1.1.1", period="2021Q2", value=2)  # no place: zone unknown
        found = point(client, "3.1.1.1", "2021Q2")
        assert found["value"] == 10
        assert (found["liptako_gourma_share"], found["zone_unknown"]) == (87.5, 2)  # was 70.0
        share = found["shares"][0]
        assert (share["part"], share["known"], share["unknown"]) == (7, 8, 2)


class TestBreakdowns:
    def test_participants_are_given_by_type_and_a_breakdown_alone_gives_the_total(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        for option, n in (("un", 10), ("ngo", 15), ("authorities", 5)):
            body = {"disaggregation": {"participant_type": option}, "value": n}
            plant("HCR", indicator="2.2.3.2", period="2021Q2", **body)
        sector = {"participant_sector": "humanitarian"}
        plant("HCR", indicator="2.2.3.2", period="2021Q2", disaggregation=sector, value=22)
        found = point(client, "2.2.3.2", "2021Q2")
        assert found["value"] == 30  # one category's options, never two (not 52); was nothing
        assert found["flags"] == ["total_from_breakdown"]
        assert found["breakdown"]["participant_type"] == {"authorities": 5, "ngo": 15, "un": 10}
        assert found["breakdown"]["participant_sector"] == {"humanitarian": 22, "unspecified": 8}
        by_type = groups(client, "2.2.3.2", "2021Q2", "participant_type")
        assert {g: p["value"] for g, p in by_type.items()} == {
            "authorities": 5,
            "ngo": 15,
            "un": 10,
        }

    def test_sessions_posted_by_setting_give_a_value_and_the_share_in_the_field(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        for setting, sessions in (("field", 2), ("office", 1)):
            body = {"disaggregation": {"setting": setting}, "value": sessions}
            plant("OCHA", indicator="1.3.1.2", period="2021Q2", **body)
        found = point(client, "1.3.1.2", "2021Q2")
        assert found["value"] == 3  # was None
        [field] = found["shares"]
        assert (field["option"], field["share"], field["known"]) == ("field", 66.67, 3)

    def test_an_unknown_grouping_is_a_422(self, client: TestClient) -> None:
        response = client.get("/api/v1/indicators/1.2.2.1/values", params={"group_by": "setting"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "unknown_grouping"


class TestCorrections:
    def test_the_validated_value_counts_while_its_correction_waits(
        self,
        client: TestClient,
        ocha: TestClient,
        plant: Callable[..., dict],
        client_as: Callable[..., TestClient],
    ) -> None:
        reading = plant("HCR", indicator="3.1.1.1", period="2021Q2", value=9)
        plant("HCR", validate=False, indicator="3.1.1.1", period="2021Q2", value=6)
        assert point(client, "3.1.1.1", "2021Q2")["value"] == 9  # was 6 (fell out of totals)
        seen = point(ocha, "3.1.1.1", "2021Q2")
        assert seen["flags"] == ["pending_corrections"]
        [pending] = seen["pending"]
        assert (pending["validated_value"], pending["pending_value"]) == (9, 6)
        assert point(client, "3.1.1.1", "2021Q2")["pending"] == []  # analysts: validated only
        assert ocha.post(f"/api/v1/readings/{reading['id']}/validate").status_code == 200
        assert point(client, "3.1.1.1", "2021Q2")["value"] == 6

    def test_a_correction_waits_beside_its_own_breakdown_option(
        self, ocha: TestClient, plant: Callable[..., dict]
    ) -> None:
        """Kills `group == reading.disaggregation.get(group_by)` turned into `!=` in
        `pending._in_group`: grouped by participant type, the correction of the `ngo` reading
        waits beside the `ngo` point, not beside the others. Also kills the categories kept on
        the rule of a breakdown group (`values._points`): each option's point is that option
        alone, with no breakdown of its own (not everything `unspecified`)."""
        body = {"indicator": "2.2.3.2", "period": "2021Q2"}
        for option, n in (("un", 10), ("ngo", 15)):
            plant("HCR", **body, disaggregation={"participant_type": option}, value=n)
        plant("HCR", False, **body, disaggregation={"participant_type": "ngo"}, value=12)
        by_type = groups(ocha, "2.2.3.2", "2021Q2", "participant_type")
        [pending] = by_type["ngo"]["pending"]
        assert (pending["validated_value"], pending["pending_value"]) == (15, 12)
        assert by_type["un"]["pending"] == []
        assert [(p["value"], p["breakdown"]) for p in by_type.values()] == [(15, {}), (10, {})]


class TestBreakdownRest:
    def test_one_participant_left_unspecified_is_shown(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        """Kills `rest > 0` turned into `rest > 1` in `points._breakdown`: 30 participants, 29
        of them by type, leave one `unspecified`."""
        body = {"indicator": "2.2.3.2", "period": "2022Q1", "location": "ML0701"}
        plant("HCR", **body, value=30)
        plant("HCR", **body, disaggregation={"participant_type": "ngo"}, value=29)
        found = point(client, "2.2.3.2", "2022Q1")
        assert found["breakdown"]["participant_type"] == {"ngo": 29, "unspecified": 1}


class TestGroupedByLocation:
    """Place by place, the figures are summed in Python (`sums.from_rows`), not by the queries
    of the other groupings: the same rules must hold there."""

    def test_a_place_posted_by_breakdown_only_is_flagged(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        """Kills the flags dropped from the period's figure in `sums.from_rows`."""
        for option, n in (("un", 10), ("ngo", 15)):
            body = {"disaggregation": {"participant_type": option}, "value": n}
            plant("HCR", indicator="2.2.3.2", period="2021Q2", location="ML0701", **body)
        by_place = groups(client, "2.2.3.2", "2021Q2", "location")
        assert {g: (p["value"], p["flags"]) for g, p in by_place.items()} == {
            "ML0701": (25, ["total_from_breakdown"])
        }

    def test_an_annual_yes_answers_the_rest_of_its_year(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        """Kills the first yes of the year dropped in `sums.from_rows` (an annual forum held in
        Q2 no longer answered in Q3 when grouped by location)."""
        plant("OCHA", indicator="2.1.1.1", period="2021Q2", value=True)
        by_place = groups(client, "2.1.1.1", "2021Q3", "location")
        assert {g: (p["value"], p["achieved_in"]) for g, p in by_place.items()} == {
            None: (True, "2021Q2")
        }


class TestComputed:
    def test_a_computed_indicator_with_a_target_counts_its_year_to_date(
        self, ocha: TestClient, hcr: TestClient
    ) -> None:
        """Kills the year to date of a complaint-computed indicator lost (`"year_to_date"`
        renamed in `computed.ranges`, or not asked for in `computed._from_complaints`): with a
        2021 target, 2021 Q2's progress counts the cases referred in Q1 and Q2, not Q2 alone."""
        targets = {"baselines": [], "targets": [{"year": 2021, "value": 12}]}
        response = ocha.put("/api/v1/indicators/3.2.1.5/targets", json=targets)
        assert response.status_code == 200, response.text
        for month in ("02", "05"):
            complaint_id = create(hcr, received_on=f"2021-{month}-01")["id"]
            move(hcr, complaint_id, "referred", organisation="UNICEF", on=f"2021-{month}-03",
                 due_on="2021-12-31")  # fmt: skip
        found = point(ocha, "3.2.1.5", "2021Q2")
        [target] = found["targets"]
        assert (found["value"], target["achieved_to_date"], target["percent_of_target"]) == (
            1, 2, 16.7,
        )  # fmt: skip

    def test_cases_referred_come_with_their_share_with_a_response(
        self, client: TestClient, hcr: TestClient, unicef: TestClient
    ) -> None:
        for received, on in (("2021-05-02", "2021-05-03"), ("2021-06-01", "2021-06-02")):
            case = create(hcr, received_on=received)["id"]
            move(hcr, case, "referred", organisation="UNICEF", on=on, due_on="2021-12-31")
        move(unicef, case, "accepted", on="2021-06-03")
        move(unicef, case, "responded", on="2021-06-04", response="Answered.",
             response_method="in_person")  # fmt: skip
        found = point(client, "3.2.1.5", "2021Q2")
        assert found["value"] == 2
        assert found["parts"]["share_with_response"] == 50.0  # was computed, never returned
        assert (found["parts"]["referred"], found["parts"]["with_response"]) == (2, 1)


class TestYesNo:
    def test_an_annual_forum_is_answered_each_year_alike_everywhere(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("OCHA", indicator="2.1.1.1", period="2020Q4", value=True)
        quarters = series(client, "2.1.1.1", **{"from": "2020Q4", "to": "2021Q2"})["values"]
        assert [p["value"] for p in quarters] == [True, None, None]  # was True, True, True
        years = series(client, "2.1.1.1", **{"from": "2020", "to": "2022"})["values"]
        assert [p["value"] for p in years] == [True, None, None]
        board = on_board(dashboard(client, "2021Q2"), "2.1.1.1")
        assert (board["value"], board["reported"]) == (None, False)
        row = workbook_rows(client)["2.1.1.1"]
        assert (row["2020Q4"], row["2021Q2"], row["2020"], row["2021"]) == (
            "yes",
            None,
            "yes",
            None,
        )

    def test_a_forum_held_in_the_year_answers_the_rest_of_that_year(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("OCHA", indicator="2.1.1.1", period="2021Q2", value=True)
        quarters = series(client, "2.1.1.1", **{"from": "2021Q1", "to": "2022Q1"})["values"]
        assert [p["value"] for p in quarters] == [None, True, True, True, None]
        assert quarters[3]["achieved_in"] == "2021Q2"

    def test_a_milestone_stays_achieved(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("OCHA", indicator="1.2.6.1", period="2020Q4", value=True)
        board = on_board(dashboard(client, "2021Q2"), "1.2.6.1")
        assert (board["value"], board["achieved_in"], board["reported"]) == (True, "2020Q4", True)
        assert workbook_rows(client)["1.2.6.1"]["2022Q4"] == "yes"

    def test_an_updated_mapping_says_when_it_was_last_confirmed(
        self, client: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("OCHA", indicator="2.1.4.1", period="2020Q3", value=True)
        plant("OCHA", indicator="2.1.4.1", period="2021Q1", value=True)
        found = point(client, "2.1.4.1", "2021Q3")
        assert (found["value"], found["achieved_in"], found["last_confirmed_in"]) == (
            True, "2020Q3", "2021Q1",
        )  # fmt: skip
        board = on_board(dashboard(client, "2021Q3"), "2.1.4.1")
        assert board["last_confirmed_in"] == "2021Q1"
        # Grouped by zone too (kills `last_true` dropped from the groups in `values._split`).
        by_zone = groups(client, "2.1.4.1", "2021Q3", "zone")
        assert {g: p["last_confirmed_in"] for g, p in by_zone.items()} == {None: "2021Q1"}


class TestPlannedQuarters:
    def test_the_dashboard_plans_what_the_corrected_seed_plans(self, client: TestClient) -> None:
        board = dashboard(client, "2020Q3")
        nexus = on_board(board, "2.2.1")
        assert nexus["completeness"]["planned"] == 5  # was 1: four milestones never planned
        board = dashboard(client, "2021Q2")
        assert on_board(board, "1.2.1.3")["planned"] is True  # saisines keep coming
        assert on_board(dashboard(client, "2020Q4"), "2.2.3.2")["planned"] is True

    def test_the_template_lists_the_nexus_milestones(self, hcr: TestClient) -> None:
        template = hcr.get("/api/v1/readings/template.csv", params={"period": "2020Q3"})
        assert template.status_code == 200, template.text
        assert all(f"2.2.1.{n}" in template.text for n in range(1, 6))


class TestCompleteness:
    def test_computed_indicators_are_listed_apart_with_their_value(
        self, client: TestClient
    ) -> None:
        activity = on_board(dashboard(client, "2021Q2"), "1.3.2")
        assert activity["completeness"] == {"planned": 1, "reported": 0, "computed": 2}
        assert activity["status"] == "not_reported"  # was "partial": computed counted reported
        computed = [i for i in activity["indicators"] if i["source"] == "computed"]
        assert [(i["code"], i["value"]) for i in computed] == [("1.3.2.1", 0), ("1.3.2.3", 0)]
