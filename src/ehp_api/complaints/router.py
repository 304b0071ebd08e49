"""/complaints: community complaints and feedback, their referral, response and closure."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from ehp_api.complaints import follow_up, kobo, render, service, workflow
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.models import Category, Channel, Complaint, ComplaintStatus
from ehp_api.complaints.schemas import (
    ComplaintCreate,
    ComplaintIdentified,
    ComplaintPublic,
    ComplaintReceipt,
    ComplaintTransitionIn,
    ComplaintUpdate,
    FollowUpPublic,
    StepPublic,
)
from ehp_api.core.db import RecordId, SessionDep, writes
from ehp_api.core.errors import problem_response, problem_responses
from ehp_api.core.guards import require
from ehp_api.core.i18n import N_, tr
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.locations.models import Zone
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.web.idempotency import Answer, Idempotency, ShownOnce, idempotent
from ehp_api.web.sync import SYNCED, SyncDep, announce_watermark
from ehp_api.web.validators import CACHEABLE, VERSIONED, IfMatch, tagged, versioned

router = APIRouter(prefix="/complaints", tags=["complaints"])

Read = Annotated[Principal, require(Permission.complaints_read)]
Write = Annotated[Principal, require(Permission.complaints_write)]


async def get_cipher(request: Request) -> IdentityCipher:
    # async: made from the settings, no turn of the thread pool
    return IdentityCipher(request.app.state.settings.encryption_key)


Cipher = Annotated[IdentityCipher, Depends(get_cipher)]
# The follow-up code is kept only as a hash: a retry's answer holding it is kept encrypted, like
# identity, and without a key (development) not at all.
FOLLOW_UP_CODE = ShownOnce(
    "follow_up_code",
    N_("The complaint is recorded; without EHP_ENCRYPTION_KEY its code cannot be given again."),
)
ComplaintRetry = Annotated[
    Idempotency, idempotent("complaints.create", FOLLOW_UP_CODE, sealer=get_cipher)
]
KoboRetry = Annotated[Idempotency, idempotent("complaints.kobo_intake")]


def receipt(
    complaint: Complaint, code: str | None, outcome: Literal["created", "unchanged"] = "created"
) -> dict:
    return ComplaintReceipt(
        id=complaint.id or 0,
        status=complaint.status,
        confidential=complaint.sensitive,
        referral_due_on=complaint.referral_due_on,
        follow_up_code=code,
        outcome=outcome,
    ).model_dump(mode="json")


@router.get("", response_model=Page[ComplaintPublic], responses=SYNCED)
@writes  # a page holding confidential complaints is put on record
def list_complaints(
    session: SessionDep,
    page: PageDep,
    principal: Read,
    response: Response,
    sync: SyncDep,
    status: Annotated[ComplaintStatus | None, Query(description="Workflow state.")] = None,
    category: Annotated[Category | None, Query(description="Category.")] = None,
    channel: Annotated[Channel | None, Query(description="How it was received.")] = None,
    location: Annotated[
        str | None, Query(max_length=12, description="P-code; a region includes its cercles.")
    ] = None,
    zone: Annotated[Zone | None, Query(description="`liptako_gourma` or `other`.")] = None,
    organisation_concerned: Annotated[
        str | None, Query(max_length=32, description="Organisation concerned (code).")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="Late for referral or response (or not late).")
    ] = None,
    period: Annotated[
        str | None,
        Query(pattern=PERIOD_PATTERN, description="Received in this quarter or year."),
    ] = None,
) -> Page[ComplaintPublic]:
    """List the complaints you may see (without identity), oldest first."""
    filters = service.Filters(
        status,
        category,
        channel,
        location,
        zone,
        organisation_concerned,
        overdue,
        period,
        sync.updated_since,
    )
    announce_watermark(session, response, sync.asked)
    items, next_cursor = service.list_(session, principal, page, filters, sync.order)
    return Page(items=items, limit=page.limit, next_cursor=next_cursor)


@router.post(
    "", response_model=ComplaintReceipt, status_code=201, responses=problem_responses(409, 503)
)
def create_complaint(
    session: SessionDep,
    data: ComplaintCreate,
    principal: Write,
    cipher: Cipher,
    retry: ComplaintRetry,
) -> Response:
    """Record a complaint or feedback; the answer holds the complainant's follow-up code, once."""

    def create() -> Answer:
        complaint, code = service.create(session, principal, cipher, data)
        return 201, receipt(complaint, code)

    return retry.once(data, create)


@router.post(
    "/intake/kobo",
    response_model=ComplaintReceipt,
    status_code=201,
    responses={
        200: {"model": ComplaintReceipt, "description": "Already received: the same complaint"},
        **problem_responses(409, 503),
    },
)
def receive_kobo_submission(
    session: SessionDep,
    principal: Write,
    cipher: Cipher,
    submission: Annotated[
        dict[str, Any], Body(description="A KoboToolbox REST Service submission (JSON).")
    ],
    retry: KoboRetry,
) -> Response:
    """KoboToolbox REST Service: one submission makes one complaint; a resend changes nothing."""

    def receive() -> Answer:
        complaint, created = kobo.intake(session, principal, cipher, submission)
        # No follow-up code in the answer: Kobo keeps REST Service answers in its logs.
        if created:
            return 201, receipt(complaint, None)
        return 200, kobo.first_answer(session, principal, complaint, submission).model_dump(
            mode="json"
        )

    return retry.once(submission, receive)


@router.get("/follow-up/{code}", response_model=FollowUpPublic, responses=problem_responses(429))
@writes  # every lookup is put on record
def follow_up_complaint(
    request: Request,
    session: SessionDep,
    code: Annotated[
        str, Path(min_length=1, max_length=64, description="The code given to the complainant.")
    ],
) -> FollowUpPublic | JSONResponse:
    """Public, rate-limited: the status of a case, and the answer once given, for its code."""
    client = request.client.host if request.client else "unknown"
    request.app.state.follow_up_limiter.hit("follow-up", client)
    found = follow_up.look_up(session, code, client)
    if found is None:
        detail = tr(
            "No case has this follow-up code; check it, or ask where you made the complaint.",
        )
        return problem_response(request, 404, detail)
    return found


@router.get(
    "/{complaint_id}",
    response_model=ComplaintIdentified | ComplaintPublic,
    responses=problem_responses(503) | CACHEABLE,
)
@writes  # reading a confidential complaint or an identity is put on record
def get_complaint(
    request: Request, session: SessionDep, complaint_id: RecordId, principal: Read, cipher: Cipher
) -> Response:
    """Get one complaint; identity only for those who may see it, and every such read audited."""
    return versioned(request, service.read(session, principal, cipher, complaint_id))


def _answer(session: Session, principal: Principal, complaint: Complaint) -> Response:
    """A write's answer: the complaint, tagged, or a receipt once the caller may not read it."""
    if service.visible(session, principal, complaint):
        return tagged(render.to_public(session, [complaint])[0])
    return JSONResponse(receipt(complaint, None))


@router.patch(
    "/{complaint_id}",
    response_model=ComplaintPublic | ComplaintReceipt,
    responses=problem_responses(409, 412, 503) | VERSIONED,
)
def update_complaint(
    session: SessionDep,
    complaint_id: RecordId,
    data: ComplaintUpdate,
    principal: Write,
    cipher: Cipher,
    if_match: IfMatch = None,
) -> Response:
    """Correct a complaint (the recording organisation or the secretariat; not once closed).
    Made confidential, it answers with a receipt: from then on only PSEA focal points read it."""
    service.check_seen(session, principal, cipher, complaint_id, if_match)
    complaint = service.update(session, principal, cipher, complaint_id, data)
    return _answer(session, principal, complaint)


@router.get("/{complaint_id}/timeline", response_model=list[StepPublic])
@writes  # reading a confidential complaint's steps is put on record
def get_complaint_timeline(
    session: SessionDep, complaint_id: RecordId, principal: Read
) -> list[StepPublic]:
    """Every step of the complaint: from and to which state, when, by whom, with what."""
    return workflow.timeline(session, principal, complaint_id)


@router.post(
    "/{complaint_id}/transitions",
    response_model=ComplaintPublic | ComplaintReceipt,
    responses=problem_responses(409, 412) | VERSIONED,
)
def transition_complaint(
    session: SessionDep,
    complaint_id: RecordId,
    data: ComplaintTransitionIn,
    principal: Write,
    cipher: Cipher,
    if_match: IfMatch = None,
) -> Response:
    """Move the complaint along its workflow (refer, accept, reject, respond, close)."""
    service.check_seen(session, principal, cipher, complaint_id, if_match)
    return _answer(session, principal, workflow.transition(session, principal, complaint_id, data))
