"""The second quarter of 2021 as an EHP secretariat officer would check it before the meeting:
every figure below was worked out by hand from the readings planted here (the working is in
the comments), and the dashboard, the values endpoint and the workplan export must all show
exactly these numbers."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.alerts.conftest import create as alert
from tests.alerts.conftest import step as alert_step
from tests.complaints.conftest import create as complaint
from tests.complaints.conftest import move
from tests.progress.conftest import dashboard, on_board, point, workbook_rows

QUARTER = "2021Q2"

# code, value, cumulative value (2020Q1-2021Q2), Liptako Gourma share, zone unknown, records,
# organisations, counted organisation, flags
BY_HAND: list[tuple[Any, ...]] = [
    # HCR: Gao (ML07) 6 covers its cercles Ansongo 2 + Gao 1 (3 < 6, not added); UNICEF Bamako 3;
    # UNFPA 2 with no place (zone unknown); UNICEF's Mopti 4 is not validated. 6 + 3 + 2 = 11;
    # Liptako Gourma 6 of the 9 whose zone is known = 66.67 %; to date + HCR's 2021Q1 5 = 16.
    ("1.1.1.1", 11, 16, 66.67, 2, 3, 3, None, ["region_and_cercles"]),
    # Requests of the HC/EHP, collective: two organisations report the same 2, OCHA (the reporter of
    # record) nothing: 2, not 4; HCR's figure counts (the first of equal figures).
    ("1.2.2.1", 2, 2, None, None, 1, 1, "HCR", ["not_from_reporter_of_record"]),
    # Dashboards transmitted, collective, reporter HCR: HCR 1 (Liptako Gourma), OCHA 3: HCR's 1.
    ("1.1.2.1", 1, 1, 100.0, 0, 1, 1, "HCR", ["reporters_disagree"]),
    # Notes deliberated, collective, reporter OCHA: OCHA 2 of 4 (50 %), HCR 5 of 5 aside.
    ("1.1.5.1", 50.0, 50.0, None, None, 1, 1, "OCHA", ["reporters_disagree"]),
    # Participants, summed: HCR by type only (UN 10 + NGO 15 + authorities 5 = 30, one
    # category, never the sectors too); UNICEF a total of 12 (4 civil society). 30 + 12 = 42.
    ("2.2.3.2", 42, 42, None, None, 4, 2, None, ["total_from_breakdown"]),
    # Sessions, summed: OCHA field 2 + office 1 = 3 (no total), FONGIM a total of 4 (1 field).
    ("1.3.1.2", 7, 7, None, None, 3, 2, None, ["total_from_breakdown"]),
    # Projects in the HRP, summed: HCR's validated 9 (Bamako) counts while its correction to 6
    # waits; UNICEF 4 in Mopti. 9 + 4 = 13; Liptako Gourma 4 of 13 = 30.77 %.
    ("3.1.1.1", 13, 13, 30.77, 0, 2, 2, None, []),
    # Forum, annual: held in 2020Q4; nothing said for 2021 yet: no answer (not "oui").
    ("2.1.1.1", None, True, None, None, 0, 0, None, []),
    # Charter, a milestone: adopted in 2020Q4, still adopted.
    ("1.2.6.1", True, True, None, None, 0, 0, None, []),
    # Mapping, established 2020Q3, updated 2021Q1: yes, nothing new this quarter.
    ("2.1.4.1", True, True, None, None, 0, 0, None, []),
    # Computed: two EWRR alerts shared in May, one referral escalated (Gao), two complaints
    # referred (one answered).
    ("1.3.2.1", 2, 2, None, None, 2, None, None, []),
    ("1.2.1.3", 1, 1, 100.0, 0, 1, None, None, []),
    (
        "3.2.1.5",
        2,
        2,
        None,
        None,
        2,
        None,
        None,
        ["excludes_sea", "excludes_confidential"],
    ),  # an analyst reads it without SEA allegations or other confidential complaints
]
# Yes/no: first validated yes, last validated yes.
ACHIEVED = {"2.1.1.1": (None, None), "1.2.6.1": ("2020Q4", None), "2.1.4.1": ("2020Q3", "2021Q1")}
# Breakdowns given option by option (the rest of the total is `unspecified`).
BREAKDOWNS = {
    "2.2.3.2": {
        "participant_type": {"un": 10, "ngo": 15, "authorities": 5, "civil_society": 4,
                             "unspecified": 8},
        "participant_sector": {"unspecified": 42},
    },
    "1.3.1.2": {"setting": {"field": 3, "office": 1, "unspecified": 3}},
}  # fmt: skip
# Shares over what is known: 1.3.1.2 in the field, 3 of the 4 sessions whose setting is known.
FIELD_SHARE = {"share": 75.0, "part": 3, "known": 4, "unknown": 3}
# The 2021 targets of 1.1.1.1 (30, of which 15 in Liptako Gourma; baseline 4), met by the
# year to date: 2021Q1 5 (Mopti) + 2021Q2 11 = 16 (53.3 %); Liptako Gourma 5 + 6 = 11 (73.3 %).
TARGETS = [(None, 30, 4, 16, 53.3), ("liptako_gourma", 15, None, 11, 73.3)]
# Activities: (planned manual, reported, computed planned), status. 1.3.1.2 was not planned
# this quarter (1.3.1 ran in 2020Q3): it counts, off schedule, but not in the completeness.
COMPLETENESS = {
    "1.1.1": ({"planned": 2, "reported": 1, "computed": 1}, "partial"),
    "1.2.6": ({"planned": 2, "reported": 1, "computed": 0}, "partial"),
    "1.3.2": ({"planned": 1, "reported": 0, "computed": 2}, "not_reported"),
    "2.1.1": ({"planned": 1, "reported": 0, "computed": 0}, "not_reported"),
    "2.2.3": ({"planned": 3, "reported": 1, "computed": 0}, "partial"),
}


@pytest.fixture
def quarter(
    client_as: Callable[..., TestClient], ocha: TestClient, plant: Callable[..., dict]
) -> None:
    def count(org: str, code: str, value: int, period: str = QUARTER, **more: Any) -> dict:
        return plant(org, indicator=code, period=period, value=value, **more)

    count("HCR", "1.1.1.1", 5, period="2021Q1", location="ML0502")
    count("HCR", "1.1.1.1", 6, location="ML07")
    count("HCR", "1.1.1.1", 2, location="ML0701")
    count("HCR", "1.1.1.1", 1, location="ML0703")
    count("UNICEF", "1.1.1.1", 3, location="ML0901")
    count("UNFPA", "1.1.1.1", 2)
    plant("UNICEF", validate=False, indicator="1.1.1.1", period=QUARTER, location="ML0506", value=4)

    count("HCR", "1.2.2.1", 2)
    count("UNICEF", "1.2.2.1", 2)
    count("HCR", "1.1.2.1", 1, disaggregation={"zone": "liptako_gourma"})
    count("OCHA", "1.1.2.1", 3)
    plant("OCHA", indicator="1.1.5.1", period=QUARTER, numerator=2, denominator=4)
    plant("HCR", indicator="1.1.5.1", period=QUARTER, numerator=5, denominator=5)

    for kind, n in (("un", 10), ("ngo", 15), ("authorities", 5)):
        count("HCR", "2.2.3.2", n, disaggregation={"participant_type": kind})
    count("UNICEF", "2.2.3.2", 12)
    count("UNICEF", "2.2.3.2", 4, disaggregation={"participant_type": "civil_society"})
    count("OCHA", "1.3.1.2", 2, disaggregation={"setting": "field"})
    count("OCHA", "1.3.1.2", 1, disaggregation={"setting": "office"})
    count("FONGIM", "1.3.1.2", 4)
    count("FONGIM", "1.3.1.2", 1, disaggregation={"setting": "field"})

    count("HCR", "3.1.1.1", 9, location="ML0901")
    plant("HCR", validate=False, indicator="3.1.1.1", period=QUARTER, location="ML0901", value=6)
    count("UNICEF", "3.1.1.1", 4, location="ML0501")

    plant("OCHA", indicator="2.1.1.1", period="2020Q4", value=True)
    plant("OCHA", indicator="1.2.6.1", period="2020Q4", value=True)
    plant("OCHA", indicator="2.1.4.1", period="2020Q3", value=True)
    plant("OCHA", indicator="2.1.4.1", period="2021Q1", value=True)

    targets = {
        "baselines": [{"value": 4}],
        "targets": [
            {"year": 2021, "value": 30},
            {"year": 2021, "zone": "liptako_gourma", "value": 15},
        ],
    }
    assert ocha.put("/api/v1/indicators/1.1.1.1/targets", json=targets).status_code == 200
    hcr = client_as(Role.partner, "HCR")
    status = {"status": "delayed", "comment": "Trainers recruited late."}
    assert hcr.put("/api/v1/activities/2.2.3/status/2021Q2", json=status).status_code == 201

    for place in ("ML0701", "ML0901"):
        shared = alert(hcr, location=place)
        assert alert_step(hcr, shared["id"], "shared", on="2021-05-03").status_code == 200
    referral = alert(hcr, kind="ehp_referral", location="ML0702")
    assert alert_step(hcr, referral["id"], "submitted", on="2021-05-04").status_code == 200
    assert alert_step(ocha, referral["id"], "under_review", on="2021-05-05").status_code == 200
    escalated = {"meeting_on": "2021-05-10", "decision": "letter", "follow_up_due_on": "2021-05-24"}
    escalated["accountable_organisation"] = "HCR"
    assert (
        alert_step(ocha, referral["id"], "escalated", on="2021-05-10", **escalated).status_code
        == 200
    )

    unicef = client_as(Role.partner, "UNICEF")
    for received, referred in (("2021-05-02", "2021-05-03"), ("2021-06-01", "2021-06-02")):
        case = complaint(hcr, received_on=received)["id"]
        move(hcr, case, "referred", organisation="UNICEF", on=referred, due_on="2021-12-31")
    move(unicef, case, "accepted", on="2021-06-03")
    move(unicef, case, "responded", on="2021-06-04", response="Answered.",
         response_method="in_person")  # fmt: skip


def _shown(figures: dict) -> tuple[Any, ...]:
    return (
        figures["value"],
        figures.get("cumulative_value"),
        figures["liptako_gourma_share"],
        figures["zone_unknown"],
        figures["records"],
        figures["organisations"],
        figures["counted_organisation"],
        figures["flags"],
    )


@pytest.mark.usefixtures("quarter")
class TestTheQuarterByHand:
    def test_the_dashboard(self, client: TestClient) -> None:
        board = dashboard(client, QUARTER)
        for row in BY_HAND:
            assert _shown(on_board(board, row[0])) == row[1:], row[0]

    def test_the_values_endpoint(self, client: TestClient) -> None:
        for code, value, _cumulative, *rest in BY_HAND:
            found = _shown(point(client, code, QUARTER))
            assert (found[0], *found[2:]) == (value, *rest), code

    def test_the_workplan_export(self, client: TestClient) -> None:
        rows = workbook_rows(client)
        for code, value, *_ in BY_HAND:
            expected = (
                {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
            )
            assert rows[code][QUARTER] == expected, code
        first = rows["1.1.1.1"]
        assert (first["baseline"], first["target 2021"], first["% of target 2021"]) == (4, 30, 53.3)

    def test_yes_no_breakdowns_shares_and_targets(self, client: TestClient) -> None:
        board = dashboard(client, QUARTER)
        for code, (first, last) in ACHIEVED.items():
            for figures in (on_board(board, code), point(client, code, QUARTER)):
                assert (figures["achieved_in"], figures["last_confirmed_in"]) == (first, last), code
        for code, breakdown in BREAKDOWNS.items():
            assert on_board(board, code)["breakdown"] == breakdown, code
            assert point(client, code, QUARTER)["breakdown"] == breakdown, code
        [field] = on_board(board, "1.3.1.2")["shares"]
        assert {k: field[k] for k in FIELD_SHARE} == FIELD_SHARE
        for figures in (on_board(board, "1.1.1.1"), point(client, "1.1.1.1", QUARTER)):
            found = [
                (
                    t["zone"],
                    t["target"],
                    t["baseline"],
                    t["achieved_to_date"],
                    t["percent_of_target"],
                )
                for t in figures["targets"]
            ]
            assert found == TARGETS
        parts = on_board(board, "3.2.1.5")["parts"]
        assert (parts["referred"], parts["with_response"], parts["share_with_response"]) == (
            2,
            1,
            50.0,
        )

    def test_also_reported_and_the_pending_correction(
        self, client: TestClient, ocha: TestClient
    ) -> None:
        meetings = point(client, "1.2.2.1", QUARTER)
        assert meetings["also_reported"] == [{"organisation": "UNICEF", "value": 2, "records": 1}]
        notes = on_board(dashboard(client, QUARTER), "1.1.5.1")
        assert notes["also_reported"] == [{"organisation": "HCR", "value": 100.0, "records": 1}]
        assert (notes["numerator"], notes["denominator"]) == (2, 4)
        [pending] = point(ocha, "3.1.1.1", QUARTER)["pending"]
        assert (pending["organisation"], pending["validated_value"], pending["pending_value"]) == (
            "HCR", 9, 6,
        )  # fmt: skip

    def test_completeness_and_the_leads_word(self, client: TestClient) -> None:
        board = dashboard(client, QUARTER)
        for code, (completeness, status) in COMPLETENESS.items():
            activity = on_board(board, code)
            assert (activity["completeness"], activity["status"]) == (completeness, status), code
        [word] = on_board(board, "2.2.3")["lead_status"]
        assert (word["organisation"], word["status"]) == ("HCR", "delayed")
