"""Decisions' action points: the owner gives their status, overdue ones are listed and counted,
and an escalated alert's decision becomes one with its follow-up date."""

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.alerts.conftest import create as create_alert
from tests.alerts.conftest import step
from tests.register.conftest import decision, point

TODAY = date.today()
PAST, FUTURE = (TODAY - timedelta(days=3)).isoformat(), (TODAY + timedelta(days=30)).isoformat()


def _patch(client: TestClient, point_id: int, **body: object):  # type: ignore[no-untyped-def]
    return client.patch(f"/api/v1/register/action-points/{point_id}", json=body)


def test_the_owner_gives_status_and_evidence_and_nothing_else(
    ocha: TestClient, hcr: TestClient, unicef: TestClient
) -> None:
    [mine] = decision(ocha, point("HCR", FUTURE))["action_points"]
    evidence = [{"url": "https://example.org/letter.pdf"}]
    done = _patch(hcr, mine["id"], status="done", evidence=evidence)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["evidence"][0]["url"]) == (
        "done",
        evidence[0]["url"],
    )
    refused = _patch(hcr, mine["id"], due_on=FUTURE, status="open")
    assert refused.status_code == 403
    assert [e["field"] for e in refused.json()["errors"]] == ["due_on"]
    assert _patch(unicef, mine["id"], status="open").status_code == 403
    moved = _patch(ocha, mine["id"], owner="UNICEF", due_on=PAST)
    assert (moved.json()["owner"], moved.json()["due_on"]) == ("UNICEF", PAST)


def test_an_analyst_reads_but_does_not_update(ocha: TestClient, client: TestClient) -> None:
    [mine] = decision(ocha, point("HCR", FUTURE))["action_points"]
    assert client.get(f"/api/v1/register/action-points/{mine['id']}").status_code == 200
    assert _patch(client, mine["id"], status="done").status_code == 403


def test_overdue_points_are_listed_and_counted(ocha: TestClient, client: TestClient) -> None:
    points = decision(
        ocha, point("HCR", PAST), point("HCR", PAST), point("UNICEF", PAST),
        point("UNICEF", FUTURE), point("OCHA", PAST),
    )["action_points"]  # fmt: skip
    _patch(ocha, points[4]["id"], status="done")  # done: never overdue
    _patch(ocha, points[1]["id"], status="in_progress")  # still overdue
    # Overdue: HCR 2 (open, in progress), UNICEF 1; not UNICEF's future one nor OCHA's done one.
    listed = client.get("/api/v1/register/action-points", params={"overdue": "true"}).json()
    assert sorted(p["id"] for p in listed["items"]) == [p["id"] for p in points[:3]]
    assert all(p["overdue"] for p in listed["items"])
    count = client.get("/api/v1/register/action-points/overdue").json()
    assert (count["overdue"], count["by_organisation"]) == (3, {"HCR": 2, "UNICEF": 1})
    assert count["on"] == TODAY.isoformat()
    others = client.get("/api/v1/register/action-points", params={"overdue": "false"}).json()
    assert sorted(p["id"] for p in others["items"]) == [points[3]["id"], points[4]["id"]]


ESCALATION = {"meeting_on": "2021-05-10", "decision": "The HC writes to the governor",
              "accountable_organisation": "UNICEF", "follow_up_due_on": "2021-05-24"}  # fmt: skip


def test_an_escalated_alert_s_decision_becomes_an_action_point(
    ocha: TestClient, hcr: TestClient
) -> None:
    alert = create_alert(hcr, kind="ehp_referral")
    step(hcr, alert["id"], "submitted", on="2021-05-04")
    step(ocha, alert["id"], "under_review", on="2021-05-05")
    url = f"/api/v1/register/decisions/from-alert/{alert['id']}"
    assert ocha.post(url).status_code == 409  # not escalated yet
    assert step(ocha, alert["id"], "escalated", on="2021-05-10", **ESCALATION).status_code == 200
    response = ocha.post(url)
    assert response.status_code == 201, response.text
    taken = response.json()
    assert (taken["alert_id"], taken["decided_on"], taken["text"]) == (
        alert["id"], "2021-05-10", ESCALATION["decision"],
    )  # fmt: skip
    [follow_up] = taken["action_points"]
    assert (follow_up["owner"], follow_up["due_on"], follow_up["status"]) == (
        "UNICEF", "2021-05-24", "open",
    )  # fmt: skip
    assert follow_up["overdue"] is True  # 2021-05-24 is past and it is open
    again = ocha.post(url)
    assert again.status_code == 409
    assert str(taken["id"]) in again.json()["detail"]


def test_an_ewrr_alert_gives_no_decision(ocha: TestClient, hcr: TestClient) -> None:
    alert = create_alert(hcr)
    url = f"/api/v1/register/decisions/from-alert/{alert['id']}"
    assert ocha.post(url).status_code == 404  # a draft is its source's alone
    assert step(hcr, alert["id"], "shared", on="2021-05-04").status_code == 200
    response = ocha.post(url)
    assert response.status_code == 409
    assert "no EHP referral" in response.json()["detail"]
