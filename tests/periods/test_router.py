"""Periods: twelve quarters and three years with their dates."""

from fastapi.testclient import TestClient

from tests.helpers import all_items, codes


def test_years_and_quarters_in_chronological_order(client: TestClient) -> None:
    found = codes(all_items(client, "/api/v1/periods"))
    assert found[:6] == ["2020", "2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021"]
    assert len(found) == 15


def test_filter_quarters_of_a_year(client: TestClient) -> None:
    found = codes(all_items(client, "/api/v1/periods", kind="quarter", year=2021))
    assert found == ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]


def test_quarter_dates(client: TestClient) -> None:
    period = client.get("/api/v1/periods/2021Q3").json()
    assert (period["starts_on"], period["ends_on"]) == ("2021-07-01", "2021-09-30")
    assert client.get("/api/v1/periods/2020Q1").json()["ends_on"] == "2020-03-31"
    assert client.get("/api/v1/periods/2022").json()["ends_on"] == "2022-12-31"


def test_period_outside_the_plan_is_a_404(client: TestClient) -> None:
    response = client.get("/api/v1/periods/2023Q1")
    assert response.status_code == 404
    assert "2020Q1..2022Q4" in response.json()["detail"]
