"""The complaint state machine, every move from every state: the documented ones succeed, every
other is a 409 that leaves the complaint as it was. The table itself is mutated edge by edge
(each documented move taken out, each other move put in) and each change must fail the test of
that move: a table that drifts from the documentation cannot go unnoticed."""

import itertools
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.complaints import workflow
from ehp_api.complaints.models import ComplaintStatus, ComplaintStep
from tests.complaints.conftest import BASE, create, days_ago, move, step

# The workflow as docs/api.md states it ("Complaints and feedback", Workflow).
DOCUMENTED = {
    "received": {"referred", "closed"},
    "referred": {"accepted", "rejected"},
    "accepted": {"responded"},
    "rejected": {"referred", "closed"},
    "responded": {"closed"},
    "closed": set(),
}
STATES = list(DOCUMENTED)
# The fields each target needs, so that the table is the only reason a move is refused.
FIELDS: dict[str, dict[str, Any]] = {
    "received": {},
    "referred": {"organisation": "UNICEF", "due_on": days_ago(-10)},
    "accepted": {},
    "rejected": {"reason": "Not our area."},
    "responded": {"response": "Added to the list.", "response_method": "phone_call"},
    "closed": {"outcome": "not_in_scope"},
}
# How the secretariat (who may take any step) brings a new complaint to each state.
PATHS = {
    "received": [],
    "referred": ["referred"],
    "accepted": ["referred", "accepted"],
    "rejected": ["referred", "rejected"],
    "responded": ["referred", "accepted", "responded"],
    "closed": ["closed"],
}


def complaint_in(ocha: TestClient, state: str) -> int:
    complaint_id = int(create(ocha, received_on=days_ago(10))["id"])
    for target in PATHS[state]:
        move(ocha, complaint_id, target, **FIELDS[target])
    return complaint_id


def check_move(ocha: TestClient, source: str, target: str) -> None:
    """The move from `source` to `target` does what the documentation says."""
    complaint_id = complaint_in(ocha, source)
    response = step(ocha, complaint_id, target, **FIELDS[target])
    if target in DOCUMENTED[source]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
        return
    assert response.status_code == 409, f"{source} -> {target}: {response.status_code}"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"is {source}; it cannot become {target}" in response.json()["detail"]
    # The moves possible from here, or that there are none (kills the words of the latter
    # changed in `workflow.transition`).
    allowed = ", ".join(sorted(DOCUMENTED[source])) or "none (it is closed)"
    assert f"Allowed from here: {allowed}." in response.json()["detail"]
    assert ocha.get(f"{BASE}/{complaint_id}").json()["status"] == source


def test_the_table_is_the_documented_workflow() -> None:
    """Kills any edge added to or removed from `workflow.ALLOWED` in the code."""
    assert {str(s): {str(t) for t in ts} for s, ts in workflow.ALLOWED.items()} == DOCUMENTED


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATES, STATES)))
def test_every_move_from_every_state(ocha: TestClient, source: str, target: str) -> None:
    """Kills `referred -> closed`, `accepted -> closed` and every other edge added to the table
    (from each state, not only `received` and `closed`), and `rejected -> closed` removed."""
    check_move(ocha, source, target)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATES, STATES)))
def test_each_edge_changed_in_the_table_is_noticed(
    ocha: TestClient, monkeypatch: pytest.MonkeyPatch, source: str, target: str
) -> None:
    """The table mutated at one edge (removed if documented, added if not) fails that move's
    test: 36 hand-made mutants of the table, every one killed."""
    table = {ComplaintStatus(s): {ComplaintStatus(t) for t in ts} for s, ts in DOCUMENTED.items()}
    table[ComplaintStatus(source)] ^= {ComplaintStatus(target)}
    monkeypatch.setattr(workflow, "ALLOWED", table)
    with pytest.raises(AssertionError):
        check_move(ocha, source, target)


def test_the_timeline_is_in_the_order_of_the_steps(ocha: TestClient, session: Session) -> None:
    """Kills `.order_by(ComplaintStep.id)` dropped from the timeline. Two steps are stored with
    ids against the order they were written in: on PostgreSQL rows come back in the order they
    were written unless asked otherwise, so only the ORDER BY puts them right; on SQLite rows
    come back by rowid, which is the id, and the mutant is equivalent there."""
    complaint_id = int(create(ocha, received_on=days_ago(10))["id"])
    last = session.exec(select(func.max(ComplaintStep.id))).one() or 0
    for offset, to_status in ((1000, "accepted"), (999, "referred")):
        session.add(
            ComplaintStep(
                id=last + offset,
                complaint_id=complaint_id,
                from_status="received",
                to_status=to_status,
                on=date.fromisoformat(days_ago(5)),
                recorded_by="test",
            )
        )
        session.flush()
    timeline = ocha.get(f"{BASE}/{complaint_id}/timeline").json()
    assert [s["to_status"] for s in timeline] == ["received", "referred", "accepted"]
