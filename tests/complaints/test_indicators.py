"""The indicators computed from complaint records, on a planted data set counted by hand."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from ehp_api.complaints import indicators
from ehp_api.core.errors import NotFound
from tests.complaints.conftest import create, move, step

UNICEF_DUE = "2021-12-31"


def referred(client: TestClient, received: str, on: str, **overrides: Any) -> int:
    complaint_id = int(create(client, received_on=received, **overrides)["id"])
    move(client, complaint_id, "referred", organisation="UNICEF", on=on, due_on=UNICEF_DUE)
    return complaint_id


def respond(unicef: TestClient, complaint_id: int, accepted: str, responded: str) -> None:
    move(unicef, complaint_id, "accepted", on=accepted)
    move(unicef, complaint_id, "responded", on=responded, response="Answered.",
         response_method="in_person")  # fmt: skip


def sea(psea: TestClient, received: str, referred_on: str | None, **overrides: Any) -> int:
    body = {"category": "sea_allegation", **overrides}
    if referred_on is None:
        return int(create(psea, received_on=received, **body)["id"])
    return referred(psea, received, referred_on, **body)


@pytest.fixture
def planted(hcr: TestClient, unicef: TestClient, psea: TestClient) -> None:
    """2021Q2 holds, by their first referral: A, B, C, E (ordinary) and S1-S4, S6 (SEA)."""
    a = referred(hcr, "2021-05-02", "2021-05-03")
    respond(unicef, a, "2021-05-04", "2021-05-20")
    b = referred(hcr, "2021-06-01", "2021-06-02")
    move(unicef, b, "rejected", on="2021-06-05", reason="Not ours.")
    move(hcr, b, "referred", organisation="OIM", on="2021-07-10", due_on=UNICEF_DUE)
    c = referred(hcr, "2021-06-20", "2021-06-25")
    respond(unicef, c, "2021-06-26", "2021-07-15")
    move(unicef, c, "closed", on="2021-07-20", outcome="adjusted", adjustment="New list.")
    d = create(hcr, received_on="2021-06-10")["id"]
    assert step(hcr, d, "closed", outcome="not_in_scope", on="2021-06-11").status_code == 200
    referred(hcr, "2021-03-25", "2021-04-02")  # E: received in Q1, referred in Q2
    referred(hcr, "2021-07-01", "2021-07-02")  # G: Q3
    medical = {"service": "medical", "provider": "CSRéf Mopti", "referred_on": "2021-05-07"}
    sea(psea, "2021-05-05", "2021-05-06", victim_assistance=[medical])  # S1
    sea(psea, "2021-05-10", "2021-05-11", assistance_declined=True)  # S2: declined
    sea(psea, "2021-06-01", "2021-06-02")  # S3: not yet referred to a service
    psychosocial = {"service": "psychosocial", "referred_on": "2021-06-12"}
    sea(psea, "2021-06-09", "2021-06-10", assistance_declined=True,
        victim_assistance=[psychosocial])  # fmt: skip  # S4: declined one, took another
    sea(psea, "2021-06-15", None, victim_assistance=[medical | {"referred_on": "2021-06-16"}])
    late = {"service": "legal", "referred_on": "2021-08-01"}
    sea(psea, "2021-06-20", "2021-06-21", victim_assistance=[late])  # S6


class TestCasesReferred:
    def test_per_quarter_and_year(self, planted: None, session: Session) -> None:
        q2, q3, year = indicators.values(
            session, "3.2.1.5", ["2021Q2", "2021Q3", "2021"], with_sea=True
        )
        assert (q2.period, q2.value, q2.numerator, q2.denominator) == ("2021Q2", 9, 2, 9)
        assert q2.counts == {
            "referred": 9, "with_response": 2, "adjusted": 1, "share_with_response": 22.2
        }  # fmt: skip
        assert (q3.value, q3.numerator) == (1, 0)
        assert year.value == 10

    def test_as_of_the_end_of_the_quarter(self, planted: None, session: Session) -> None:
        [q2] = indicators.values(
            session, "3.2.1.5", ["2021Q2"], as_of=date(2021, 6, 30), with_sea=True
        )
        assert (q2.numerator, q2.counts["adjusted"]) == (1, 0)

    def test_an_empty_quarter(self, session: Session) -> None:
        [q1] = indicators.values(session, "3.2.1.5", ["2020Q1"], with_sea=True)
        assert (q1.value, q1.numerator, q1.denominator, q1.counts) == (
            0, 0, 0, {"referred": 0, "with_response": 0, "adjusted": 0}
        )  # fmt: skip


class TestSeaReferredToServices:
    def test_declined_cases_are_out_of_the_denominator(
        self, planted: None, session: Session
    ) -> None:
        [q2] = indicators.values(session, "3.2.2.2", ["2021Q2"], with_sea=True)
        assert q2.counts == {"sea_referred": 5, "declined": 1, "referred_to_services": 3}
        assert (q2.numerator, q2.denominator, q2.value) == (3, 4, 75.0)

    def test_as_of_the_end_of_the_quarter(self, planted: None, session: Session) -> None:
        [q2] = indicators.values(
            session, "3.2.2.2", ["2021Q2"], as_of=date(2021, 6, 30), with_sea=True
        )
        assert (q2.numerator, q2.denominator, q2.value) == (2, 4, 50.0)

    def test_no_case_gives_no_value(self, session: Session) -> None:
        [q1] = indicators.values(session, "3.2.2.2", ["2020Q1"], with_sea=True)
        assert (q1.value, q1.numerator, q1.denominator) == (None, 0, 0)


def test_other_indicators_and_periods_are_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        indicators.values(session, "1.1.1.1", ["2021Q2"], with_sea=True)
    with pytest.raises(NotFound):
        indicators.values(session, "3.2.1.5", ["2019Q1"], with_sea=True)


class TestOutsideThePseaNetwork:
    def test_cases_referred_leave_sea_allegations_out(
        self, planted: None, session: Session
    ) -> None:
        [q2] = indicators.values(session, "3.2.1.5", ["2021Q2"], with_sea=False)
        # 9 referred in the quarter, of which 5 SEA allegations (S1-S4, S6).
        assert (q2.value, q2.counts["referred"]) == (4, 4)

    def test_the_sea_indicator_is_never_computed_for_them(self, session: Session) -> None:
        with pytest.raises(ValueError, match="PSEA focal points only"):
            indicators.values(session, "3.2.2.2", ["2021Q2"], with_sea=False)
