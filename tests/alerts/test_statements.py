"""An N+1 guard: a page of alerts runs as many SQL statements for two alerts as for many, with
their triggers, links, possible duplicates and timelines (each read for the whole page)."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.alerts.conftest import create
from tests.helpers import statements_of


def test_a_page_of_alerts_runs_as_many_statements_for_two_alerts_as_for_many(
    hcr: TestClient, engine: Engine
) -> None:
    def statements() -> list[str]:
        def page() -> None:
            response = hcr.get("/api/v1/alerts", params={"limit": 50, "location": "ML07"})
            assert response.status_code == 200, response.text

        page()  # the lookups kept per version of the reference data, as in the next one
        return statements_of(engine, page)

    def add(count: int) -> None:
        for _ in range(count):
            create(hcr, links=[last], occurred_on="2021-05-03")

    last = create(hcr)["id"]
    add(1)
    few = statements()
    add(6)
    many = statements()
    assert len(few) == len(many), (few, many)
    listed = hcr.get("/api/v1/alerts", params={"limit": 50}).json()["items"]
    assert len(listed) == 8
    assert all(alert["triggers"] and alert["possible_duplicates"] for alert in listed)
    assert all(alert["links"] for alert in listed)
