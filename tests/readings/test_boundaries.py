"""The edges of reading validation, each found by a mutant that survived: zero is a value, a
fraction may be 0 of n or 1 of 1, and a period outside the plan is refused naming `period`."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.readings.conftest import count_reading

READINGS = "/api/v1/readings"


def fraction(numerator: int, denominator: int) -> dict[str, Any]:
    return {"indicator": "1.1.5.1", "period": "2021Q1",
            "numerator": numerator, "denominator": denominator}  # fmt: skip


def test_a_count_of_zero_is_accepted(hcr: TestClient) -> None:
    """Kills `reading.value < 0` turned into `<= 0` in `rules.value_of`."""
    response = hcr.post(READINGS, json=count_reading(value=0))
    assert response.status_code == 201, response.text
    assert response.json()["value"] == 0


@pytest.mark.parametrize(("numerator", "denominator"), [(0, 5), (1, 1)])
def test_a_fraction_at_its_bounds_is_accepted(
    ocha: TestClient, numerator: int, denominator: int
) -> None:
    """Kills `0 <= numerator` turned into `0 < numerator` (0 of 5) and `denominator <= 0`
    turned into `<= 1` (1 of 1) in `rules._percentage`."""
    response = ocha.post(READINGS, json=fraction(numerator, denominator))
    assert response.status_code == 201, response.text
    assert (response.json()["numerator"], response.json()["denominator"]) == (
        numerator,
        denominator,
    )


def test_a_period_outside_the_plan_is_refused_naming_the_period(hcr: TestClient) -> None:
    """Kills the field of `period_outside_plan` changed in `rules.check_period`."""
    response = hcr.post(READINGS, json=count_reading(period="2019Q4"))
    assert response.status_code == 422
    errors = [(e["location"], e["field"], e["code"]) for e in response.json()["errors"]]
    assert errors == [("body", "period", "period_outside_plan")]


@pytest.mark.parametrize(("period", "off_schedule"), [("2020", False), ("2021", True)])
def test_a_whole_year_reading_is_on_schedule_when_some_quarter_of_it_is_planned(
    hcr: TestClient, period: str, off_schedule: bool
) -> None:
    """Kills `period.kind == "year"` turned into `== "YEAR"` (or any other string) in
    `rules._off_schedule`: indicator 1.2.1.1 is planned in 2020 Q3-Q4 only (seed/workplan.yaml),
    so a reading of the whole of 2020 covers planned quarters and is on schedule, while one of
    2021 (nothing planned) is off it. The mutant compares the year's own period with the planned
    quarters, finds none, and flags 2020 too."""
    response = hcr.post(READINGS, json={"indicator": "1.2.1.1", "period": period, "value": True})
    assert response.status_code == 201, response.text
    assert response.json()["off_schedule"] is off_schedule
