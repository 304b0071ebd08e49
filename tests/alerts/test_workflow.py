"""Both workflows: every step allowed and refused, the fields each needs, and the timeline."""

import pytest
from fastapi.testclient import TestClient

from tests.alerts.conftest import create, step

ESCALATION = {"meeting_on": "2021-05-10", "decision": "Advocacy letter to the governor",
              "accountable_organisation": "HCR", "follow_up_due_on": "2021-05-24"}  # fmt: skip
REFERRAL_PATH = [("submitted", {}), ("under_review", {}), ("escalated", ESCALATION),
                 ("closed", {"outcome": "Checkpoint removed"})]  # fmt: skip
EWRR_PATH = [("shared", {}), ("acknowledged", {}),
             ("activated", {"response_type": "patrol"}),
             ("closed", {"outcome": "patrols"})]  # fmt: skip
ALL_STATES = ["draft", "submitted", "under_review", "escalated", "not_escalated", "shared",
              "acknowledged", "activated", "not_activated", "closed"]  # fmt: skip


def walk(hcr: TestClient, ocha: TestClient, kind: str, path: list) -> dict:
    alert = create(hcr, kind=kind)
    for day, (to, fields) in enumerate(path, start=4):
        client = hcr if to in ("submitted", "shared") else ocha
        response = step(client, alert["id"], to, on=f"2021-05-{day:02d}", **fields)
        assert response.status_code == 200, response.text
    return alert


@pytest.mark.parametrize(("kind", "path"), [("ehp_referral", REFERRAL_PATH), ("ewrr", EWRR_PATH)])
def test_the_whole_path_is_in_the_timeline(
    hcr: TestClient, ocha: TestClient, kind: str, path: list
) -> None:
    alert = walk(hcr, ocha, kind, path)
    timeline = ocha.get(f"/api/v1/alerts/{alert['id']}/timeline").json()
    assert [e["to_status"] for e in timeline] == ["draft"] + [to for to, _ in path]
    assert [e["on"] for e in timeline][1:] == [
        "2021-05-04",
        "2021-05-05",
        "2021-05-06",
        "2021-05-07",
    ]
    final = ocha.get(f"/api/v1/alerts/{alert['id']}").json()
    assert final["status"] == "closed"
    assert final["days_to_closure"] == 3
    if kind == "ewrr":
        assert final["days_to_activation"] == 2
    else:
        assert final["days_to_escalation"] == 2
        assert timeline[3]["details"]["decision"] == "Advocacy letter to the governor"


@pytest.mark.parametrize(("kind", "path"), [("ehp_referral", REFERRAL_PATH), ("ewrr", EWRR_PATH)])
def test_every_other_step_is_refused_from_every_state(
    hcr: TestClient, ocha: TestClient, kind: str, path: list
) -> None:
    alert = create(hcr, kind=kind)
    allowed_next = [to for to, _ in path]
    for index, (to, fields) in enumerate(path):
        for target in ALL_STATES:
            if (
                target == allowed_next[index]
                or (kind == "ehp_referral" and index == 2 and target == "not_escalated")
                or (kind == "ewrr" and index == 2 and target == "not_activated")
            ):
                continue
            refused = step(
                hcr if index == 0 else ocha,  # a draft is its source organisation's alone
                alert["id"],
                target,
                on="2021-05-04",
                reason="r",
                outcome="o",
                response_type="t",
                **ESCALATION,
            )
            assert refused.status_code == 409, (target, refused.text)
            detail = refused.json()["detail"]
            assert f"cannot go to {target}" in detail
            assert allowed_next[index] in detail
        client = hcr if to in ("submitted", "shared") else ocha
        assert step(client, alert["id"], to, **fields).status_code == 200


@pytest.mark.parametrize(("kind", "before", "to", "missing"), [
    ("ehp_referral", ["submitted", "under_review"], "escalated",
     {"meeting_on", "decision", "accountable_organisation", "follow_up_due_on"}),
    ("ehp_referral", ["submitted", "under_review"], "not_escalated", {"reason"}),
    ("ewrr", ["shared", "acknowledged"], "activated", {"response_type"}),
    ("ewrr", ["shared", "acknowledged"], "not_activated", {"reason"}),
])  # fmt: skip
def test_a_step_missing_its_fields_is_a_422(
    hcr: TestClient, ocha: TestClient, kind: str, before: list, to: str, missing: set
) -> None:
    alert = create(hcr, kind=kind)
    for state in before:
        client = hcr if state in ("submitted", "shared") else ocha
        assert step(client, alert["id"], state).status_code == 200
    response = step(ocha, alert["id"], to)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == missing


def test_not_escalated_then_closed(hcr: TestClient, ocha: TestClient) -> None:
    alert = walk(hcr, ocha, "ehp_referral", REFERRAL_PATH[:2])
    assert (
        step(
            ocha, alert["id"], "not_escalated", on="2021-05-06", reason="below threshold"
        ).status_code
        == 200
    )
    assert (
        step(ocha, alert["id"], "closed", on="2021-05-07", outcome="monitored").status_code == 200
    )


def test_a_step_recorded_late_keeps_its_real_date(hcr: TestClient, ocha: TestClient) -> None:
    alert = create(hcr)
    step(hcr, alert["id"], "shared", on="2021-05-04")
    assert ocha.get(f"/api/v1/alerts/{alert['id']}/timeline").json()[1]["on"] == "2021-05-04"


def test_dates_must_follow_the_timeline(hcr: TestClient) -> None:
    alert = create(hcr)
    assert (
        step(hcr, alert["id"], "shared", on="2021-05-01").json()["errors"][0]["code"]
        == "date_out_of_order"
    )
    assert (
        step(hcr, alert["id"], "shared", on="2099-01-01").json()["errors"][0]["code"]
        == "date_in_future"
    )


def test_only_the_secretariat_reviews(hcr: TestClient) -> None:
    alert = create(hcr, kind="ehp_referral")
    step(hcr, alert["id"], "submitted")
    response = step(hcr, alert["id"], "under_review")
    assert response.status_code == 403


def test_unknown_accountable_organisation(hcr: TestClient, ocha: TestClient) -> None:
    alert = walk(hcr, ocha, "ehp_referral", REFERRAL_PATH[:2])
    response = step(
        ocha,
        alert["id"],
        "escalated",
        on="2021-05-06",
        **{**ESCALATION, "accountable_organisation": "NOPE"},
    )
    [error] = response.json()["errors"]
    assert (response.status_code, error["field"], error["code"]) == (
        422,
        "accountable_organisation",
        "unknown_organisation",
    )  # kills the code `unknown_organisation` changed in `workflow._checked`


def test_the_timeline_and_the_audit_say_where_each_step_came_from(
    hcr: TestClient, ocha: TestClient
) -> None:
    """Kills `from_status` filled in for the alert's first event (`to == alert.status` dropped in
    `workflow.record`: a draft came from nowhere) and the audit's `new` status of a transition
    renamed in `workflow.transition`."""
    alert = walk(hcr, ocha, "ewrr", EWRR_PATH[:2])
    timeline = ocha.get(f"/api/v1/alerts/{alert['id']}/timeline").json()
    assert [(e["from_status"], e["to_status"]) for e in timeline] == [
        (None, "draft"),
        ("draft", "shared"),
        ("shared", "acknowledged"),
    ]
    params = {"action": "alert.transition", "entity_id": str(alert["id"])}
    events = ocha.get("/api/v1/audit-events", params=params).json()["items"]
    assert sorted(
        (e["changes"]["status"]["old"], e["changes"]["status"]["new"]) for e in events
    ) == [("draft", "shared"), ("shared", "acknowledged")]


def test_transitions_are_audited(hcr: TestClient, ocha: TestClient) -> None:
    alert = create(hcr)
    step(hcr, alert["id"], "shared")
    events = ocha.get("/api/v1/audit-events", params={"entity_type": "alert"}).json()["items"]
    assert [e["action"] for e in events] == ["alert.transition", "alert.create"]
    assert "MARKER" not in str(events)
