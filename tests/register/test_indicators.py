"""The axis-1 indicators the register answers, against figures counted by hand from a planted
scenario; and manual readings of them refused, like every computed indicator's."""

import pytest
from fastapi.testclient import TestClient

from tests.progress.conftest import dashboard, on_board, point
from tests.register.conftest import meeting, note, request

QUARTER = "2021Q2"  # 2021-04-01 .. 2021-06-30; the plan starts on 2020-01-01


@pytest.fixture
def scenario(ocha: TestClient) -> None:
    # Meetings. Counted by 1.1.1.3: ad hoc AND protection on the agenda, by the day held.
    meeting(ocha, "2021-04-12", kind="ad_hoc")  # Q2, counts
    meeting(ocha, "2021-05-20", kind="ad_hoc")  # Q2, counts
    meeting(ocha, "2021-05-21", kind="ad_hoc", protection=False)  # no protection: not counted
    meeting(ocha, "2021-06-01", kind="ordinary")  # ordinary: not counted
    meeting(ocha, "2021-03-30", kind="ad_hoc")  # Q1: to date only
    meeting(ocha, "2021-07-01", kind="ad_hoc")  # Q3: not in the quarter nor before its end

    # Thematic notes, by the day received; 1.1.3.1 = deliberated / received.
    for day, deliberated in (("2021-04-03", True), ("2021-05-03", True),
                             ("2021-05-10", False), ("2021-06-30", True)):  # fmt: skip
        note(ocha, day, deliberated)
    note(ocha, "2021-02-01", deliberated=False)  # Q1

    # Information requests: 1.1.4.1 by the day asked; 1.1.4.2 the notes supplied, by the day
    # answered, with their Liptako Gourma part.
    answered = {"note_supplied": True}
    request(ocha, "2021-03-15", answered_on="2021-04-10", liptako_gourma=True, **answered)  # r1
    request(ocha, "2021-04-05", answered_on="2021-04-20", liptako_gourma=False, **answered)  # r2
    request(ocha, "2021-05-02", answered_on="2021-05-30", **answered)  # r3: zone not said
    request(ocha, "2021-06-10")  # r4: not answered
    request(ocha, "2021-06-15", answered_on="2021-07-02", liptako_gourma=True, **answered)  # r5
    request(ocha, "2021-06-20", answered_on="2021-06-25")  # r6: answered with no note


def cumulative(client: TestClient, code: str) -> object:
    return on_board(dashboard(client, QUARTER), code)["cumulative_value"]


@pytest.mark.usefixtures("scenario")
class TestTheQuarterByHand:
    def test_ad_hoc_meetings_on_protection(self, client: TestClient) -> None:
        found = point(client, "1.1.1.3", QUARTER)
        # Q2: 04-12 and 05-20 = 2. To date (2020-01-01 .. 2021-06-30): + 03-30 = 3.
        assert (found["value"], found["records"]) == (2, 2)
        assert cumulative(client, "1.1.1.3") == 3

    def test_notes_deliberated(self, client: TestClient) -> None:
        found = point(client, "1.1.3.1", QUARTER)
        # Q2: 3 deliberated of 4 received = 75 %. To date: 3 of 5 = 60 %.
        assert (found["value"], found["numerator"], found["denominator"]) == (75.0, 3, 4)
        assert cumulative(client, "1.1.3.1") == 60.0

    def test_requests_asked(self, client: TestClient) -> None:
        found = point(client, "1.1.4.1", QUARTER)
        # Asked in Q2: r2, r3, r4, r5, r6 = 5. To date: + r1 (03-15) = 6.
        assert (found["value"], cumulative(client, "1.1.4.1")) == (5, 6)

    def test_notes_supplied_and_their_liptako_gourma_share(self, client: TestClient) -> None:
        found = point(client, "1.1.4.2", QUARTER)
        # Answered with a note in Q2: r1 (04-10), r2 (04-20), r3 (05-30) = 3; r5 is Q3, r6 has
        # no note. Liptako Gourma: r1 of the 2 whose zone is said (r1, r2) = 50 %; r3 unknown.
        assert (found["value"], found["liptako_gourma_share"], found["zone_unknown"]) == (
            3, 50.0, 1,
        )  # fmt: skip
        assert cumulative(client, "1.1.4.2") == 3

    def test_the_dashboard_gives_the_same_figures(self, client: TestClient) -> None:
        board = dashboard(client, QUARTER)
        figures = {code: on_board(board, code)["value"]
                   for code in ("1.1.1.3", "1.1.3.1", "1.1.4.1", "1.1.4.2")}  # fmt: skip
        assert figures == {"1.1.1.3": 2, "1.1.3.1": 75.0, "1.1.4.1": 5, "1.1.4.2": 3}

    def test_each_says_it_is_computed_from_the_register(self, client: TestClient) -> None:
        for code in ("1.1.1.3", "1.1.3.1", "1.1.4.1", "1.1.4.2"):
            body = client.get(f"/api/v1/indicators/{code}/values").json()
            assert (body["source"], body["computed_from"][:9]) == ("computed", "register:"), code
            indicator = client.get(f"/api/v1/indicators/{code}").json()
            assert indicator["source"] == "computed", code


def test_a_correction_moves_the_figure(ocha: TestClient, client: TestClient) -> None:
    made = note(ocha, "2021-05-03", deliberated=False)
    assert point(client, "1.1.3.1", QUARTER)["value"] == 0.0  # 0 of 1
    ocha.patch(f"/api/v1/register/notes/{made['id']}", json={"deliberated": True})
    assert point(client, "1.1.3.1", QUARTER)["value"] == 100.0  # 1 of 1


def test_an_empty_register_counts_zero(client: TestClient) -> None:
    # Counts are known even when zero; a share of no notes has no value.
    assert point(client, "1.1.1.3", QUARTER)["value"] == 0
    assert point(client, "1.1.3.1", QUARTER)["value"] is None


@pytest.mark.parametrize("code", ["1.1.1.3", "1.1.4.1", "1.1.4.2"])
def test_manual_readings_are_refused(ocha: TestClient, code: str) -> None:
    response = ocha.post(
        "/api/v1/readings", json={"indicator": code, "period": QUARTER, "value": 2}
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("indicator", "computed_indicator")


def test_a_manual_percentage_is_refused(ocha: TestClient) -> None:
    body = {"indicator": "1.1.3.1", "period": QUARTER, "numerator": 1, "denominator": 2}
    response = ocha.post("/api/v1/readings", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "computed_indicator"
