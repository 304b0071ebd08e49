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


def test_a_new_alert_reads_nothing_it_is_about_to_write(hcr: TestClient, engine: Engine) -> None:
    """A new alert has no links or verdicts to replace, and its recurrence is counted once (the
    recurrence rule's verdict and the alert's own count share it); its answer reads its links and
    verdicts once, after they are written."""
    create(hcr)  # the lookups kept per version of the reference data

    def post() -> None:
        create(hcr, occurred_on="2021-05-03")

    seen = [" ".join(s.split()) for s in statements_of(engine, post)]
    writes = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO alert_triggers"))
    before = seen[:writes]
    assert not [s for s in before if "FROM alert_links" in s or "FROM alert_triggers" in s], seen
    counts = [s for s in seen if s.startswith("SELECT alerts.id FROM alerts WHERE")]
    assert len(counts) == 1, seen
    assert sum("FROM alert_links" in s for s in seen) == 1, seen


def test_a_new_alert_is_placed_without_reading_the_places(hcr: TestClient, engine: Engine) -> None:
    """The places by P-code are kept per version of the reference data, as the focus area's
    versions are: a new alert in a cercle, and its answer, read no location."""
    create(hcr, location="ML0701")  # the lookups kept per version of the reference data

    def post() -> None:
        posted = create(hcr, location="ML0702", occurred_on="2021-05-03")
        assert (posted["location"], posted["admin1"]) == ("ML0702", "ML07"), posted

    seen = [" ".join(s.split()) for s in statements_of(engine, post)]
    assert not [s for s in seen if "FROM locations" in s], seen
