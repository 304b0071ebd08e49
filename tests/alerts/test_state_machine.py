"""Both alert state machines, every move from every state: the documented ones succeed, every
other is a 409 that leaves the alert as it was. Each table is mutated edge by edge (each
documented move taken out, each other move put in) and each change must fail the test of that
move: a table that drifts from the README cannot go unnoticed. Moves towards the other
workflow's statuses are refused by `test_every_other_step_is_refused_from_every_state`
(test_workflow.py), and `test_the_tables_are_the_documented_workflows` holds the tables whole."""

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ehp_api.alerts import workflow
from ehp_api.alerts.models import AlertKind, AlertStatus
from tests.alerts.conftest import create, step

# The workflows as the README states them ("Alerts", Workflows).
DOCUMENTED: dict[str, dict[str, set[str]]] = {
    "ehp_referral": {
        "draft": {"submitted"},
        "submitted": {"under_review"},
        "under_review": {"escalated", "not_escalated"},
        "escalated": {"closed"},
        "not_escalated": {"closed"},
        "closed": set(),
    },
    "ewrr": {
        "draft": {"shared"},
        "shared": {"acknowledged"},
        "acknowledged": {"activated", "not_activated"},
        "activated": {"closed"},
        "not_activated": {"closed"},
        "closed": set(),
    },
}
# The fields each target needs, so that the table is the only reason a move is refused.
FIELDS: dict[str, dict[str, Any]] = {
    "escalated": {"meeting_on": "2021-05-04", "decision": "Advocacy letter",
                  "accountable_organisation": "HCR", "follow_up_due_on": "2021-05-24"},
    "not_escalated": {"reason": "below threshold"},
    "activated": {"response_type": "patrol"},
    "not_activated": {"reason": "no capacity"},
    "closed": {"outcome": "Checkpoint removed"},
}  # fmt: skip
# The steps the source organisation takes itself (the secretariat takes the others).
OWNER_STEPS = {"submitted", "shared"}
# How a new alert of each kind is brought to each of its states.
PATHS = {
    "ehp_referral": {
        "draft": [],
        "submitted": ["submitted"],
        "under_review": ["submitted", "under_review"],
        "escalated": ["submitted", "under_review", "escalated"],
        "not_escalated": ["submitted", "under_review", "not_escalated"],
        "closed": ["submitted", "under_review", "escalated", "closed"],
    },
    "ewrr": {
        "draft": [],
        "shared": ["shared"],
        "acknowledged": ["shared", "acknowledged"],
        "activated": ["shared", "acknowledged", "activated"],
        "not_activated": ["shared", "acknowledged", "not_activated"],
        "closed": ["shared", "acknowledged", "activated", "closed"],
    },
}
MOVES = [
    (kind, source, target)
    for kind, table in DOCUMENTED.items()
    for source, target in itertools.product(table, table)
]


def alert_in(hcr: TestClient, ocha: TestClient, kind: str, state: str) -> int:
    alert_id = int(create(hcr, kind=kind)["id"])
    for target in PATHS[kind][state]:
        client = hcr if target in OWNER_STEPS else ocha
        response = step(client, alert_id, target, **FIELDS.get(target, {}))
        assert response.status_code == 200, response.text
    return alert_id


def check_move(hcr: TestClient, ocha: TestClient, kind: str, source: str, target: str) -> None:
    """The move from `source` to `target` does what the README says. A draft is its source
    organisation's alone, so the partner tries every move from `draft` (an edge put in towards a
    secretariat's step then answers 403, not the 409 of a step that does not exist)."""
    alert_id = alert_in(hcr, ocha, kind, source)
    client = hcr if source == "draft" else ocha
    response = step(client, alert_id, target, **FIELDS.get(target, {}))
    if target in DOCUMENTED[kind][source]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
        return
    assert response.status_code == 409, f"{kind} {source} -> {target}: {response.status_code}"
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert f"is {source}; it cannot go to {target}" in detail
    for possible in DOCUMENTED[kind][source]:
        assert possible in detail
    assert client.get(f"/api/v1/alerts/{alert_id}").json()["status"] == source


def test_the_tables_are_the_documented_workflows() -> None:
    """Kills any edge added to or removed from `workflow.FLOWS` in the code."""
    assert {
        str(kind): {str(s): {str(t) for t in ts} for s, ts in table.items()}
        for kind, table in workflow.FLOWS.items()
    } == {kind: {s: ts for s, ts in t.items() if s != "closed"} for kind, t in DOCUMENTED.items()}


@pytest.mark.parametrize(("kind", "source", "target"), MOVES)
def test_every_move_from_every_state(
    hcr: TestClient, ocha: TestClient, kind: str, source: str, target: str
) -> None:
    """Every (from, to) pair of both workflows: the documented move succeeds, any other is a 409
    naming the possible ones."""
    check_move(hcr, ocha, kind, source, target)


@pytest.mark.parametrize(("kind", "source", "target"), MOVES)
def test_each_edge_changed_in_the_table_is_noticed(
    hcr: TestClient,
    ocha: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    source: str,
    target: str,
) -> None:
    """The table mutated at one edge (removed if documented, added if not) fails that move's
    test: 72 hand-made mutants of the two tables (6 states by 6 each), every one killed."""
    flows = {
        AlertKind(k): {AlertStatus(s): {AlertStatus(t) for t in ts} for s, ts in table.items()}
        for k, table in DOCUMENTED.items()
    }
    flows[AlertKind(kind)][AlertStatus(source)] ^= {AlertStatus(target)}
    monkeypatch.setattr(workflow, "FLOWS", flows)
    with pytest.raises(AssertionError):
        check_move(hcr, ocha, kind, source, target)
