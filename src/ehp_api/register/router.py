"""/register: the EHP's meetings, thematic notes, information requests, decisions and their
action points."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ehp_api.core import row_locks
from ehp_api.core.db import RecordId, SessionDep
from ehp_api.core.errors import problem_responses
from ehp_api.core.pagination import Page, PageDep
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.register import decisions, render, service
from ehp_api.register.deps import Read, UpdateAction, Write
from ehp_api.register.models import (
    ActionPoint,
    ActionStatus,
    Decision,
    InformationRequest,
    Meeting,
    MeetingKind,
    ProtectionArea,
    ThematicNote,
)
from ehp_api.register.schemas import (
    ActionPointIn,
    ActionPointPublic,
    ActionPointUpdate,
    DecisionIn,
    DecisionPublic,
    InformationRequestIn,
    InformationRequestPublic,
    InformationRequestUpdate,
    MeetingIn,
    MeetingPublic,
    MeetingUpdate,
    OverdueCount,
    ThematicNoteIn,
    ThematicNotePublic,
    ThematicNoteUpdate,
)
from ehp_api.web.idempotency import Idempotency, idempotent
from ehp_api.web.validators import CACHEABLE, VERSIONED, IfMatch, check_seen, tagged, versioned

router = APIRouter(prefix="/register", tags=["register"])

Period = Annotated[
    str | None, Query(pattern=PERIOD_PATTERN, description="Only this quarter or year.")
]
MeetingRetry = Annotated[Idempotency, idempotent("register.meetings.create")]
NoteRetry = Annotated[Idempotency, idempotent("register.notes.create")]
RequestRetry = Annotated[Idempotency, idempotent("register.requests.create")]
DecisionRetry = Annotated[Idempotency, idempotent("register.decisions.create")]
CREATED = problem_responses(409)


@router.get("/meetings", response_model=Page[MeetingPublic])
def list_meetings(
    session: SessionDep,
    page: PageDep,
    _: Read,
    period: Period = None,
    kind: Annotated[MeetingKind | None, Query(description="Ordinary or ad hoc.")] = None,
    protection_on_agenda: Annotated[
        bool | None, Query(description="Only those with (or without) protection on the agenda.")
    ] = None,
) -> Page[MeetingPublic]:
    """List the EHP's meetings in the order they were recorded."""
    rows, cursor = service.list_meetings(session, page, period, kind, protection_on_agenda)
    return Page(items=render.meetings(rows), limit=page.limit, next_cursor=cursor)


@router.post("/meetings", response_model=MeetingPublic, status_code=201, responses=CREATED)
def create_meeting(
    session: SessionDep, data: MeetingIn, principal: Write, retry: MeetingRetry
) -> Response:
    """Record an EHP meeting; audited."""
    return retry.once(
        data, lambda: (201, render.meetings([service.create_meeting(session, principal, data)])[0])
    )


def _meeting(session: SessionDep, meeting_id: int) -> MeetingPublic:
    return render.meetings([service.get(session, Meeting, meeting_id)])[0]


@router.get("/meetings/{meeting_id}", response_model=MeetingPublic, responses=CACHEABLE)
def get_meeting(request: Request, session: SessionDep, meeting_id: RecordId, _: Read) -> Response:
    """Get one meeting of the register; `ETag` its version."""
    return versioned(request, _meeting(session, meeting_id))


@router.patch(
    "/meetings/{meeting_id}",
    response_model=MeetingPublic,
    responses=problem_responses(412) | VERSIONED,
)
def update_meeting(
    session: SessionDep,
    meeting_id: RecordId,
    data: MeetingUpdate,
    principal: Write,
    if_match: IfMatch = None,
) -> Response:
    """Correct a meeting; audited."""
    check_seen(
        session,
        if_match,
        row_locks.rows(Meeting, id=meeting_id),
        lambda: _meeting(session, meeting_id),
        "meeting",
    )
    return tagged(
        render.meetings([service.update_meeting(session, principal, meeting_id, data)])[0]
    )


@router.get("/notes", response_model=Page[ThematicNotePublic])
def list_thematic_notes(
    session: SessionDep,
    page: PageDep,
    _: Read,
    period: Period = None,
    area: Annotated[ProtectionArea | None, Query(description="Area of responsibility.")] = None,
    deliberated: Annotated[bool | None, Query(description="Deliberated by the EHP.")] = None,
) -> Page[ThematicNotePublic]:
    """List the thematic protection notes the EHP received (`period`: received in)."""
    rows, cursor = service.list_notes(session, page, period, area, deliberated)
    return Page(items=render.notes(rows), limit=page.limit, next_cursor=cursor)


@router.post("/notes", response_model=ThematicNotePublic, status_code=201, responses=CREATED)
def create_thematic_note(
    session: SessionDep, data: ThematicNoteIn, principal: Write, retry: NoteRetry
) -> Response:
    """Record a thematic protection note the EHP received; audited."""
    return retry.once(
        data, lambda: (201, render.notes([service.create_note(session, principal, data)])[0])
    )


@router.get("/notes/{note_id}", response_model=ThematicNotePublic, responses=CACHEABLE)
def get_thematic_note(
    request: Request, session: SessionDep, note_id: RecordId, _: Read
) -> Response:
    """Get one thematic note of the register; `ETag` its version."""
    return versioned(request, _note(session, note_id))


def _note(session: SessionDep, note_id: int) -> ThematicNotePublic:
    return render.notes([service.get(session, ThematicNote, note_id)])[0]


@router.patch(
    "/notes/{note_id}",
    response_model=ThematicNotePublic,
    responses=problem_responses(412) | VERSIONED,
)
def update_thematic_note(
    session: SessionDep,
    note_id: RecordId,
    data: ThematicNoteUpdate,
    principal: Write,
    if_match: IfMatch = None,
) -> Response:
    """Correct a thematic note, or record that the EHP deliberated on it; audited."""
    check_seen(
        session,
        if_match,
        row_locks.rows(ThematicNote, id=note_id),
        lambda: _note(session, note_id),
        "thematic note",
    )
    return tagged(render.notes([service.update_note(session, principal, note_id, data)])[0])


@router.get("/information-requests", response_model=Page[InformationRequestPublic])
def list_information_requests(
    session: SessionDep,
    page: PageDep,
    _: Read,
    period: Period = None,
    answered: Annotated[bool | None, Query(description="Answered (or not yet).")] = None,
) -> Page[InformationRequestPublic]:
    """List the EHP's requests for more protection information (`period`: asked in)."""
    rows, cursor = service.list_requests(session, page, period, answered)
    return Page(items=render.requests(session, rows), limit=page.limit, next_cursor=cursor)


@router.post(
    "/information-requests",
    response_model=InformationRequestPublic,
    status_code=201,
    responses=CREATED,
)
def create_information_request(
    session: SessionDep, data: InformationRequestIn, principal: Write, retry: RequestRetry
) -> Response:
    """Record a request of the EHP for more protection information; audited."""

    def create() -> tuple[int, InformationRequestPublic]:
        row = service.create_request(session, principal, data)
        return 201, render.requests(session, [row])[0]

    return retry.once(data, create)


@router.get(
    "/information-requests/{request_id}",
    response_model=InformationRequestPublic,
    responses=CACHEABLE,
)
def get_information_request(
    request: Request, session: SessionDep, request_id: RecordId, _: Read
) -> Response:
    """Get one information request of the register; `ETag` its version."""
    return versioned(request, _request(session, request_id))


def _request(session: SessionDep, request_id: int) -> InformationRequestPublic:
    return render.requests(session, [service.get(session, InformationRequest, request_id)])[0]


@router.patch(
    "/information-requests/{request_id}",
    response_model=InformationRequestPublic,
    responses=problem_responses(412) | VERSIONED,
)
def update_information_request(
    session: SessionDep,
    request_id: RecordId,
    data: InformationRequestUpdate,
    principal: Write,
    if_match: IfMatch = None,
) -> Response:
    """Record the answer to a request (the day, the note supplied) or correct it; audited."""
    check_seen(
        session,
        if_match,
        row_locks.rows(InformationRequest, id=request_id),
        lambda: _request(session, request_id),
        "information request",
    )
    row = service.update_request(session, principal, request_id, data)
    return tagged(render.requests(session, [row])[0])


@router.get("/decisions", response_model=Page[DecisionPublic])
def list_decisions(
    session: SessionDep, page: PageDep, _: Read, period: Period = None
) -> Page[DecisionPublic]:
    """List the EHP's decisions with their action points (`period`: decided in)."""
    rows, cursor = decisions.list_(session, page, period)
    return Page(items=render.decisions(session, rows), limit=page.limit, next_cursor=cursor)


def _decision(session: SessionDep, row: Decision) -> tuple[int, DecisionPublic]:
    return 201, render.decisions(session, [row])[0]


@router.post("/decisions", response_model=DecisionPublic, status_code=201, responses=CREATED)
def create_decision(
    session: SessionDep, data: DecisionIn, principal: Write, retry: DecisionRetry
) -> Response:
    """Record a decision of the EHP with its action points; audited."""
    return retry.once(data, lambda: _decision(session, decisions.create(session, principal, data)))


@router.post(
    "/decisions/from-alert/{alert_id}",
    response_model=DecisionPublic,
    status_code=201,
    responses=CREATED,
)
def create_decision_from_alert(
    session: SessionDep, alert_id: RecordId, principal: Write
) -> DecisionPublic:
    """Take an escalated alert's decision into the register, with its follow-up as an action
    point (owner: the accountable organisation; due: the follow-up date); once per alert."""
    return _decision(session, decisions.from_alert(session, principal, alert_id))[1]


@router.get("/decisions/{decision_id}", response_model=DecisionPublic)
def get_decision(session: SessionDep, decision_id: RecordId, _: Read) -> DecisionPublic:
    """Get one decision with its action points."""
    return render.decisions(session, [service.get(session, Decision, decision_id)])[0]


@router.post(
    "/decisions/{decision_id}/action-points", response_model=ActionPointPublic, status_code=201
)
def create_action_point(
    session: SessionDep, decision_id: RecordId, data: ActionPointIn, principal: Write
) -> ActionPointPublic:
    """Add an action point to a decision; audited."""
    return render.action_points(
        session, [decisions.add_point(session, principal, decision_id, data)]
    )[0]


@router.get("/action-points", response_model=Page[ActionPointPublic])
def list_action_points(
    session: SessionDep,
    page: PageDep,
    _: Read,
    overdue: Annotated[
        bool | None, Query(description="Only those past due and neither done nor dropped.")
    ] = None,
    status: Annotated[ActionStatus | None, Query(description="Only this status.")] = None,
    organisation: Annotated[
        str | None, Query(min_length=1, max_length=32, description="Owner organisation code.")
    ] = None,
) -> Page[ActionPointPublic]:
    """List action points (`overdue=true`: those past due today)."""
    rows, cursor = decisions.list_points(
        session, page, overdue=overdue, status=status, organisation=organisation
    )
    return Page(items=render.action_points(session, rows), limit=page.limit, next_cursor=cursor)


@router.get("/action-points/overdue", response_model=OverdueCount)
def count_overdue_action_points(session: SessionDep, _: Read) -> OverdueCount:
    """How many action points are overdue today, in all and by owner organisation."""
    today = date.today()
    by_organisation = decisions.count_overdue(session, today)
    return OverdueCount(
        on=today, overdue=sum(by_organisation.values()), by_organisation=by_organisation
    )


def _point(session: SessionDep, point_id: int) -> ActionPointPublic:
    return render.action_points(session, [service.get(session, ActionPoint, point_id)])[0]


@router.get("/action-points/{point_id}", response_model=ActionPointPublic, responses=CACHEABLE)
def get_action_point(
    request: Request, session: SessionDep, point_id: RecordId, _: Read
) -> Response:
    """Get one action point; `ETag` its version."""
    return versioned(request, _point(session, point_id))


@router.patch(
    "/action-points/{point_id}",
    response_model=ActionPointPublic,
    responses=problem_responses(412) | VERSIONED,
)
def update_action_point(
    session: SessionDep,
    point_id: RecordId,
    data: ActionPointUpdate,
    principal: UpdateAction,
    if_match: IfMatch = None,
) -> Response:
    """Give an action point's status and evidence (its owner), or change it (the secretariat);
    audited."""
    check_seen(
        session,
        if_match,
        row_locks.rows(ActionPoint, id=point_id),
        lambda: _point(session, point_id),
        "action point",
    )
    return tagged(
        render.action_points(session, [decisions.update_point(session, principal, point_id, data)])[
            0
        ]
    )
