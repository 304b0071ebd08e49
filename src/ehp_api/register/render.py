"""Register records to response shapes: organisation codes and action points read once a page."""

from collections.abc import Iterable, Sequence
from datetime import date

from sqlmodel import Session, select

from ehp_api.activity_status.schemas import EvidenceLink
from ehp_api.organisations.models import Organisation
from ehp_api.register.models import (
    CLOSED_ACTIONS,
    ActionPoint,
    Decision,
    InformationRequest,
    Meeting,
    ThematicNote,
)
from ehp_api.register.schemas import (
    ActionPointPublic,
    DecisionPublic,
    InformationRequestPublic,
    MeetingPublic,
    ThematicNotePublic,
)


def _codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(Organisation.id, Organisation.code).where(Organisation.id.in_(wanted))
    )
    return {id_: code for id_, code in rows.all() if id_ is not None}


def overdue(point: ActionPoint, today: date) -> bool:
    return point.due_on < today and point.status not in CLOSED_ACTIONS


def meetings(rows: Sequence[Meeting]) -> list[MeetingPublic]:
    return [MeetingPublic.model_validate(r, from_attributes=True) for r in rows]


def notes(rows: Sequence[ThematicNote]) -> list[ThematicNotePublic]:
    return [ThematicNotePublic.model_validate(r, from_attributes=True) for r in rows]


def requests(
    session: Session, rows: Sequence[InformationRequest]
) -> list[InformationRequestPublic]:
    codes = _codes(session, (r.asked_by_organisation_id for r in rows))
    return [
        InformationRequestPublic.model_validate(
            {**r.model_dump(), "asked_by": codes[r.asked_by_organisation_id]}
        )
        for r in rows
    ]


def action_points(session: Session, rows: Sequence[ActionPoint]) -> list[ActionPointPublic]:
    codes, today = _codes(session, (r.owner_organisation_id for r in rows)), date.today()
    return [
        ActionPointPublic(
            **r.model_dump(exclude={"evidence", "owner_organisation_id"}),
            owner=codes[r.owner_organisation_id],
            evidence=[EvidenceLink(**e) for e in r.evidence],
            overdue=overdue(r, today),
        )
        for r in rows
    ]


def decisions(session: Session, rows: Sequence[Decision]) -> list[DecisionPublic]:
    ids = [r.id for r in rows]
    points = session.exec(
        select(ActionPoint).where(ActionPoint.decision_id.in_(ids)).order_by(ActionPoint.id)
    ).all() if ids else []  # fmt: skip
    by_decision: dict[int, list[ActionPointPublic]] = {}
    for point in action_points(session, points):
        by_decision.setdefault(point.decision_id, []).append(point)
    return [
        DecisionPublic(**r.model_dump(), action_points=by_decision.get(r.id or 0, [])) for r in rows
    ]
