"""The dashboard on a planted dataset: hand-computed values, statuses, suppression, Gantt."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.dashboard import snapshots
from tests.alerts.conftest import create, step


@pytest.fixture
def plant(client_as: Callable[..., TestClient]) -> Callable[..., dict]:
    partners: dict[str, TestClient] = {}
    ocha = client_as(Role.secretariat, "OCHA")

    def post(org: str, **body: Any) -> dict:
        partner = partners.setdefault(org, client_as(Role.partner, org))
        reading = partner.post("/api/v1/readings", json=body)
        assert reading.status_code == 201, reading.text
        assert ocha.post(f"/api/v1/readings/{reading.json()['id']}/validate").status_code == 200
        return reading.json()

    return post


def find(dashboard: dict, code: str) -> dict:
    for axis in dashboard["axes"]:
        for objective in axis["objectives"]:
            if objective["code"] == code:
                return objective
            for activity in objective["activities"]:
                if activity["code"] == code:
                    return activity
                for indicator in activity["indicators"]:
                    if indicator["code"] == code:
                        return indicator
    raise KeyError(code)


def dashboard(client: TestClient, period: str = "2021Q2") -> dict:
    response = client.get("/api/v1/dashboard", params={"period": period})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_quarter_matches_hand_computed_values(
    client: TestClient, plant: Callable[..., dict]
) -> None:
    plant("HCR", indicator="1.1.1.1", period="2021Q1", location="ML0702", value=5)
    plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
    plant("UNICEF", indicator="1.1.1.1", period="2021Q2", location="ML0901", value=6)
    # The EHP's notes (collective, reported by OCHA): two places, their fractions added.
    plant(
        "OCHA", indicator="1.1.5.1", period="2021Q2", location="ML0701", numerator=1, denominator=2
    )
    plant(
        "OCHA", indicator="1.1.5.1", period="2021Q2", location="ML0901", numerator=1, denominator=8
    )
    board = dashboard(client)
    counts = find(board, "1.1.1.1")
    assert (counts["value"], counts["cumulative_value"], counts["liptako_gourma_share"]) == (
        10,
        15,
        40.0,
    )
    assert (counts["records"], counts["planned"], counts["reported"]) == (2, True, True)
    assert find(board, "1.1.5.1")["value"] == 20.0
    activity = find(board, "1.1.1")
    assert (activity["status"], activity["completeness"]) == (
        "partial",
        {"planned": 2, "reported": 1, "computed": 1},  # 1.1.1.3 comes from the register
    )
    assert find(board, "1.1.3")["status"] == "reported"  # 1.1.3.1 alone, from the register
    assert find(board, "1.1.4")["status"] == "reported"  # 1.1.4.1 and 1.1.4.2, likewise
    # 1.2.1 is planned in 2020 only; its saisines (1.2.1.3, computed) are followed every quarter.
    assert find(board, "1.2.1")["status"] == "reported"
    assert find(board, "1.1")["completeness"]["reported"] == 2


def test_a_year_sums_its_quarters(client: TestClient, plant: Callable[..., dict]) -> None:
    plant("HCR", indicator="1.1.1.2", period="2021Q1", value=2)
    plant("HCR", indicator="1.1.1.2", period="2021Q3", value=3)
    plant("HCR", indicator="1.1.1.2", period="2022Q1", value=50)
    board = dashboard(client, "2021")
    assert (find(board, "1.1.1.2")["value"], find(board, "1.1.1.2")["cumulative_value"]) == (5, 5)


def test_alerts_section_and_small_cells(
    client_as: Callable[..., TestClient], client: TestClient
) -> None:
    hcr, ocha = client_as(Role.partner, "HCR"), client_as(Role.secretariat, "OCHA")
    for location in ("ML0701", "ML0701", "ML0901"):
        alert = create(hcr, location=location, severity=4)
        step(hcr, alert["id"], "shared", on="2021-05-03")
    referral = create(hcr, kind="ehp_referral", location="ML0702")
    step(hcr, referral["id"], "submitted", on="2021-05-04")
    step(ocha, referral["id"], "under_review", on="2021-05-05")
    step(
        ocha,
        referral["id"],
        "escalated",
        on="2021-05-10",
        meeting_on="2021-05-10",
        decision="letter",
        accountable_organisation="HCR",
        follow_up_due_on="2021-05-24",
    )
    full = dashboard(ocha)["alerts"]
    assert (full["total"], full["escalations"], full["median_days_to_escalation"]) == (4, 1, 6)
    assert full["liptako_gourma_share"] == 75.0
    assert {c["key"]: c["count"] for c in full["by_cercle"]} == {
        "ML0701": 2,
        "ML0702": 1,
        "ML0901": 1,
    }
    assert {c["key"]: c["count"] for c in full["by_region"]} == {"ML07": 3, "ML09": 1}
    broad = dashboard(client)
    assert broad["small_cell_threshold"] == 5
    assert all(c["suppressed"] and c["count"] is None for c in broad["alerts"]["by_cercle"])
    assert find(broad, "1.2.1.3")["value"] == 1


def test_statement_count_does_not_grow_with_the_data(
    client: TestClient, plant: Callable[..., dict], engine: Engine
) -> None:
    def statements() -> int:
        seen: list[str] = []

        def record(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", record)
        try:
            dashboard(client)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len([s for s in seen if not s.startswith(("SAVEPOINT", "RELEASE"))])

    # Each planting is audited, so each measure below recomputes (no kept snapshot applies).
    client.get("/api/v1/me")  # the key's first use records last_used_at: not what we measure
    plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=1)
    before = statements()
    for location in ("ML0702", "ML0703", "ML0501", "ML0502", "ML0503"):
        plant("HCR", indicator="1.1.1.1", period="2021Q2", location=location, value=1)
    assert statements() == before


def test_the_gantt(client: TestClient, plant: Callable[..., dict]) -> None:
    plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
    activities = {a["code"]: a for a in client.get("/api/v1/dashboard/timeline").json()}
    quarters = {q["period"]: q for q in activities["1.1.1"]["quarters"]}
    assert quarters["2021Q2"] == {"period": "2021Q2", "planned": True, "reported": True}
    assert quarters["2020Q1"] == {"period": "2020Q1", "planned": False, "reported": False}
    assert len(activities) == 25


def test_unknown_period_is_a_422(client: TestClient) -> None:
    assert client.get("/api/v1/dashboard", params={"period": "2019Q1"}).status_code == 422


def test_complaints_section_counts_sea_allegations_for_the_psea_focal_point_only(
    client_as: Callable[..., TestClient],
) -> None:
    from tests.complaints.conftest import create as record
    from tests.complaints.conftest import refer

    hcr, ocha = client_as(Role.partner, "HCR"), client_as(Role.secretariat, "OCHA")
    psea = client_as(Role.psea_focal_point, "UNFPA")
    first = record(hcr, received_on="2021-06-10")
    record(hcr, channel="sms", received_on="2021-06-12")
    sea = record(hcr, category="sea_allegation", description="MARKER-SEA", received_on="2021-06-12")
    refer(hcr, first["id"], on="2021-06-11", due_on="2021-06-25")
    refer(psea, sea["id"], on="2021-06-13", due_on="2021-06-25")
    response = ocha.get("/api/v1/dashboard", params={"period": "2021Q2"})
    assert "MARKER" not in response.text
    section = response.json()["complaints"]
    assert (section["received"], section["referred"], section["excludes_sea"]) == (2, 1, True)
    assert {c["key"]: c["count"] for c in section["by_channel"]} == {"hotline": 1, "sms": 1}
    assert section["confidential"] == {"key": "confidential", "count": 0, "suppressed": False}
    assert find(response.json(), "3.2.1.5")["value"] == 1
    whole = psea.get("/api/v1/dashboard", params={"period": "2021Q2"}).json()
    section = whole["complaints"]
    assert (section["received"], section["referred"], section["excludes_sea"]) == (3, 2, False)
    assert section["confidential"] == {"key": "confidential", "count": None, "suppressed": True}
    assert find(whole, "3.2.1.5")["value"] == 2


def test_a_computed_dashboard_is_kept_until_the_data_changes(
    client: TestClient, plant: Callable[..., dict]
) -> None:
    first = dashboard(client)
    assert dashboard(client)["generated_at"] == first["generated_at"]
    plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
    changed = dashboard(client)
    assert changed["generated_at"] != first["generated_at"]
    assert find(changed, "1.1.1.1")["value"] == 4


def test_a_kept_dashboard_is_served_for_its_max_age_even_after_a_write(
    app: FastAPI, settings: Settings, client: TestClient, plant: Callable[..., dict]
) -> None:
    app.state.settings = settings.model_copy(update={"dashboard_max_age_seconds": 60})
    first = dashboard(client)
    plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
    kept = dashboard(client)
    assert kept["generated_at"] == first["generated_at"]
    assert find(kept, "1.1.1.1")["value"] is None  # the write is not in it yet
    app.state.settings = settings  # max age 0: the next call sees the write
    assert find(dashboard(client), "1.1.1.1")["value"] == 4


def test_the_etag_names_the_computed_dashboard(
    client: TestClient, plant: Callable[..., dict]
) -> None:
    first = client.get("/api/v1/dashboard", params={"period": "2021Q2"})
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    tag = first.headers["ETag"]  # of the gzipped bytes (`"...-gzip"`): the same answer
    again = client.get(
        "/api/v1/dashboard", params={"period": "2021Q2"}, headers={"If-None-Match": tag}
    )
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", tag)
    plain = client.get(
        "/api/v1/dashboard",
        params={"period": "2021Q2"},
        headers={"If-None-Match": tag, "Accept-Encoding": "identity"},
    )  # the same answer, whose 200 would carry the identity bytes' tag
    assert (plain.status_code, plain.headers["ETag"]) == (304, tag.replace("-gzip", ""))
    plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
    changed = client.get(
        "/api/v1/dashboard", params={"period": "2021Q2"}, headers={"If-None-Match": tag}
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    assert find(changed.json(), "1.1.1.1")["value"] == 4


def test_a_kept_dashboard_is_sent_as_made_without_reading_its_body_again(
    client: TestClient, engine: Engine
) -> None:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    first = client.get("/api/v1/dashboard", params={"period": "2021Q2"})
    event.listen(engine, "before_cursor_execute", record)
    try:
        plain = client.get(
            "/api/v1/dashboard",
            params={"period": "2021Q2"},
            headers={"Accept-Encoding": "identity"},
        )
        gzipped = client.get(
            "/api/v1/dashboard", params={"period": "2021Q2"}, headers={"Accept-Encoding": "gzip"}
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert first.status_code == plain.status_code == gzipped.status_code == 200
    assert plain.content == gzipped.content == first.content  # httpx decodes the gzipped one
    assert gzipped.headers["ETag"] == first.headers["ETag"]
    assert gzipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert "content-encoding" not in plain.headers
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert any("dashboard_snapshots" in statement for statement in seen)  # its version, its time
    assert not any("dashboard_snapshots.body" in statement for statement in seen)


def test_while_another_request_computes_a_stale_dashboard_the_kept_one_is_served(
    client: TestClient, plant: Callable[..., dict], engine: Engine
) -> None:
    key = snapshots.key("2021Q2", "broad", date.today())  # an analyst's audience
    # Another worker's request (on PostgreSQL, another connection's transaction) computes it.
    with (
        Session(engine) as elsewhere,
        elsewhere.begin(),
        snapshots.computing(elsewhere, key) as its,
    ):
        assert its
        first = dashboard(client)  # nothing kept yet: computed all the same
        plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
        served = dashboard(client)  # stale, and being computed: the kept one
        assert served["generated_at"] == first["generated_at"]
        assert find(served, "1.1.1.1")["value"] is None
        assert dashboard(client, "2021Q3")["period"] == "2021Q3"  # another key: computed
    recomputed = dashboard(client)
    assert recomputed["generated_at"] != first["generated_at"]
    assert find(recomputed, "1.1.1.1")["value"] == 4
