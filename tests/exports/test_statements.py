"""An N+1 guard: the CSV export runs as many SQL statements for one reading as for many (the
reference data come from lookups kept in memory, never a query per row)."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.helpers import statements_of

URL = "/api/v1/exports/readings.csv"


def test_the_csv_export_runs_as_many_statements_for_one_reading_as_for_many(
    ocha: TestClient, plant: Callable[..., dict], engine: Engine
) -> None:
    def export() -> None:
        response = ocha.get(URL, params={"organisation": "HCR", "period": "2021"})
        assert response.status_code == 200, response.text

    def statements() -> list[str]:
        export()  # the lookups kept per version of the reference data, as in the next one
        return statements_of(engine, export)

    plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=1)
    few = statements()
    for quarter, location in [(q, p) for q in (1, 3, 4) for p in ("ML0701", "ML0702", "ML05")]:
        plant("HCR", indicator="1.1.1.1", period=f"2021Q{quarter}", location=location, value=2)
    many = statements()
    assert len(few) == len(many), (few, many)
    assert ocha.get(URL, params={"organisation": "HCR"}).content.count(b"\r\n") == 2 + 10
