"""`reading_totals`, the validated totals the dashboard sums, follows every write path: after
each change it equals a rebuild from the readings, and the dashboard agrees with the values
endpoint (which reads the readings themselves)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from ehp_api.core.permissions import Role
from ehp_api.progress import kept as keeper
from ehp_api.progress.models import ReadingTotal
from ehp_api.readings import changes

INDICATOR = "1.1.1.2"
COLUMNS = (ReadingTotal.indicator_id, ReadingTotal.period_id, ReadingTotal.organisation_id)
COLUMNS += (ReadingTotal.zone, ReadingTotal.numerator, ReadingTotal.denominator)
COLUMNS += (ReadingTotal.records, ReadingTotal.category_code, ReadingTotal.option_code)
COLUMNS += (ReadingTotal.region_overlaps, ReadingTotal.excess, ReadingTotal.from_breakdown)


def kept(session: Session) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in session.execute(select(*COLUMNS)).all())


def rebuilt(session: Session) -> list[tuple[Any, ...]]:
    savepoint = session.begin_nested()
    keeper.rebuild(session)
    rows = kept(session)
    savepoint.rollback()
    return rows


def value(client: TestClient, period: str) -> Any:
    response = client.get(
        f"/api/v1/indicators/{INDICATOR}/values", params={"from": period, "to": period}
    )
    assert response.status_code == 200, response.text
    return response.json()["values"][0]["value"]


def on_dashboard(client: TestClient, period: str) -> Any:
    response = client.get("/api/v1/dashboard", params={"period": period})
    assert response.status_code == 200, response.text
    activities = (
        a for axis in response.json()["axes"] for o in axis["objectives"] for a in o["activities"]
    )
    indicators = (i for a in activities for i in a["indicators"])
    return next(i for i in indicators if i["code"] == INDICATOR)["value"]


@pytest.fixture
def check(session: Session, ocha: TestClient) -> Callable[[], None]:
    def agree() -> None:
        assert kept(session) == rebuilt(session)
        for period in ("2021Q1", "2021Q2", "2021"):
            assert on_dashboard(ocha, period) == value(ocha, period), period

    return agree


def test_every_write_path_keeps_the_totals_true(
    client_as: Callable[..., TestClient], ocha: TestClient, check: Callable[[], None]
) -> None:
    hcr, unicef = client_as(Role.partner, "HCR"), client_as(Role.partner, "UNICEF")

    def post(partner: TestClient, period: str, amount: int, location: str = "ML0701") -> int:
        body = {"indicator": INDICATOR, "period": period, "location": location, "value": amount}
        response = partner.post("/api/v1/readings", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def act(method: str, path: str, **kwargs: Any) -> None:
        response = ocha.request(method, f"/api/v1/readings/{path}", **kwargs)
        assert response.status_code in (200, 204), response.text

    q1, q2 = post(hcr, "2021Q1", 2), post(hcr, "2021Q2", 3)
    year_hcr, year_unicef = post(hcr, "2021", 50), post(unicef, "2021", 7, "ML0901")
    check()  # nothing validated yet: no totals

    for reading in (q1, q2, year_hcr, year_unicef):
        act("POST", f"{reading}/validate")
    check()  # HCR's year reading is left out: HCR posted quarters

    act("POST", f"{q1}/reopen")
    act("POST", f"{q2}/reopen")
    act("POST", f"{q2}/reject", json={"reason": "check the source"})
    check()  # no validated quarter left: HCR's year reading counts again

    act("POST", f"{q1}/validate")
    act("PATCH", f"{q1}", json={"value": 5})  # the secretariat's correction: awaits review
    check()

    act("POST", f"{q1}/validate")
    correction = {"indicator": INDICATOR, "period": "2021", "location": "ML0901", "value": 9}
    response = unicef.post("/api/v1/readings/batch", json={"readings": [correction]})
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    check()  # a correction by batch waits for review: the validated value keeps counting

    act("DELETE", f"{year_hcr}")
    check()


def test_the_registry_makes_the_keeper_listen_to_the_readings(
    monkeypatch: pytest.MonkeyPatch, session: Session
) -> None:
    assert keeper.refresh in changes._keepers
    monkeypatch.setattr(changes, "_keepers", [])
    with pytest.raises(RuntimeError, match="no keeper"):
        changes.validated_changed(session, [(1, 1, 1)])
