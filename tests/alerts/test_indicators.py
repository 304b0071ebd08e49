"""The indicators alerts measure equal hand counts on planted alerts."""

from fastapi.testclient import TestClient

from ehp_api.alerts import indicators as alert_indicators
from ehp_api.alerts import workflow
from tests.alerts.conftest import create, step

ESCALATION = {"meeting_on": "2021-05-10", "decision": "letter", "accountable_organisation": "HCR",
              "follow_up_due_on": "2021-05-24"}  # fmt: skip


def escalated(hcr: TestClient, ocha: TestClient, location: str, on: str) -> None:
    alert = create(hcr, kind="ehp_referral", location=location)
    step(hcr, alert["id"], "submitted", on="2021-05-04")
    step(ocha, alert["id"], "under_review", on="2021-05-05")
    assert step(ocha, alert["id"], "escalated", on=on, **ESCALATION).status_code == 200


def activated(hcr: TestClient, ocha: TestClient, location: str) -> None:
    alert = create(hcr, location=location)
    step(hcr, alert["id"], "shared", on="2021-05-04")
    step(ocha, alert["id"], "acknowledged", on="2021-05-05")
    assert (
        step(ocha, alert["id"], "activated", on="2021-07-02", response_type="patrol").status_code
        == 200
    )


def series(client: TestClient, code: str, **params: str) -> dict:
    response = client.get(
        f"/api/v1/indicators/{code}/values", params={"from": "2021Q2", "to": "2021Q3", **params}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_referrals_count_in_the_quarter_they_were_escalated(
    hcr: TestClient, ocha: TestClient, analyst: TestClient
) -> None:
    escalated(hcr, ocha, "ML0701", on="2021-06-30")  # Liptako Gourma, Q2
    escalated(hcr, ocha, "ML0901", on="2021-07-01")  # Bamako, Q3, recorded late
    escalated(hcr, ocha, "ML0702", on="2021-07-15")  # Liptako Gourma, Q3
    create(hcr, kind="ehp_referral")  # never escalated
    body = series(analyst, "1.2.1.3")
    assert (body["source"], body["computed_from"][:7]) == ("computed", "alerts:")
    assert [(p["period"], p["value"], p["liptako_gourma_share"]) for p in body["values"]] == [
        ("2021Q2", 1, 100.0), ("2021Q3", 2, 50.0),
    ]  # fmt: skip
    zones = series(analyst, "1.2.1.3", group_by="zone")["values"]
    assert [(p["period"], p["group"], p["value"]) for p in zones] == [
        ("2021Q2", "liptako_gourma", 1), ("2021Q2", "other", 0),
        ("2021Q3", "liptako_gourma", 1), ("2021Q3", "other", 1),
    ]  # fmt: skip


def test_ewrr_alerts_shared_and_activated(
    hcr: TestClient, ocha: TestClient, analyst: TestClient
) -> None:
    activated(hcr, ocha, "ML0701")
    activated(hcr, ocha, "ML0901")
    shared_only = create(hcr)
    step(hcr, shared_only["id"], "shared", on="2021-07-03")
    shared = {p["period"]: p["value"] for p in series(analyst, "1.3.2.1")["values"]}
    assert shared == {"2021Q2": 2, "2021Q3": 1}
    activations = series(analyst, "1.3.2.3")["values"]
    assert [(p["period"], p["value"], p["liptako_gourma_share"]) for p in activations] == [
        ("2021Q2", 0, None), ("2021Q3", 2, 50.0),
    ]  # fmt: skip


def test_computed_indicators_group_by_period_or_zone_only(analyst: TestClient) -> None:
    response = analyst.get("/api/v1/indicators/1.3.2.1/values", params={"group_by": "organisation"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "group_by"


def test_readings_cannot_be_posted_for_them(hcr: TestClient) -> None:
    response = hcr.post(
        "/api/v1/readings", json={"indicator": "1.3.2.1", "period": "2021Q2", "value": 3}
    )
    assert response.json()["errors"][0]["code"] == "computed_indicator"


def test_each_counted_step_is_reached_once_and_by_one_kind_only() -> None:
    """`period_and_cumulative` counts steps without joining alerts for their kind and without
    DISTINCT: that holds while the workflows have no cycle and each counted step belongs to
    its indicator's kind only."""
    for kind, flow in workflow.FLOWS.items():
        reachable_again = set()
        for start in flow:
            seen, frontier = set(), set(flow[start])
            while frontier:
                seen |= frontier
                frontier = {n for s in frontier for n in flow.get(s, set())} - seen
            if start in seen:
                reachable_again.add(start)
        assert not reachable_again, f"{kind}: steps on a cycle: {reachable_again}"
    for code, (kind, status) in alert_indicators.COMPUTED.items():
        owners = {k for k, flow in workflow.FLOWS.items() if status in set().union(*flow.values())}
        assert owners == {kind}, code


def test_a_corrected_location_moves_the_liptako_gourma_share_on_the_dashboard(
    hcr: TestClient, ocha: TestClient, analyst: TestClient
) -> None:
    """The dashboard counts steps by the flag each step carries; a correction of the alert's
    place updates its steps, so the dashboard and the values endpoint still agree."""
    escalated(hcr, ocha, "ML0901", on="2021-06-30")  # Bamako

    def shares() -> tuple[float | None, float | None]:
        board = ocha.get("/api/v1/dashboard", params={"period": "2021Q2"}).json()
        [point] = series(analyst, "1.2.1.3", to="2021Q2")["values"]
        found = next(
            i
            for axis in board["axes"]
            for objective in axis["objectives"]
            for activity in objective["activities"]
            for i in activity["indicators"]
            if i["code"] == "1.2.1.3"
        )
        return found["liptako_gourma_share"], point["liptako_gourma_share"]

    assert shares() == (0.0, 0.0)
    [alert] = analyst.get("/api/v1/alerts").json()["items"]
    response = hcr.patch(f"/api/v1/alerts/{alert['id']}", json={"location": "ML0701"})
    assert response.status_code == 200, response.text
    assert shares() == (100.0, 100.0)
