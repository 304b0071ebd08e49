"""/readings: partners post what they measured; the secretariat reviews it."""

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import Response
from sqlmodel import Session

from ehp_api.core.db import RecordId, SessionDep, writes_when
from ehp_api.core.errors import (
    InvalidInput,
    InvalidParam,
    field_name,
    problem_responses,
)
from ehp_api.core.guards import require
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import ListOrder, Order, Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.readings import render, review, service
from ehp_api.readings.deps import DryRun, ImportMode, ReadingFilters
from ehp_api.readings.models import Reading, ReadingStatus
from ehp_api.readings.schemas import (
    MAX_BATCH,
    BatchMode,
    BatchProblem,
    HistoryEntry,
    ImportSummary,
    ReadingBatch,
    ReadingIn,
    ReadingPublic,
    ReadingUpdate,
    ReadingWritten,
    RejectIn,
)
from ehp_api.web import validators
from ehp_api.web.idempotency import Answer, Idempotency, idempotent
from ehp_api.web.language import says_its_language
from ehp_api.web.openapi import typed_body
from ehp_api.web.sync import SYNC_PARAMS, SYNCED, announce_watermark

router = APIRouter(prefix="/readings", tags=["readings"])

Read = Annotated[Principal, require(Permission.readings_read)]
Write = Annotated[Principal, require(Permission.readings_write)]
Review = Annotated[Principal, require(Permission.readings_review)]
ReadingRetry = Annotated[Idempotency, idempotent("readings.create")]
BatchRetry = Annotated[Idempotency, idempotent("readings.batch")]
IfMatch = Annotated[
    str | None,
    Header(
        description="The `ETag` of the reading as you read it: the change applies only if the "
        "reading is still that version (else 412), so you validate the value you saw."
    ),
]
VERSIONED = {
    "headers": {
        "ETag": {
            "description": "The reading's version, for `If-Match`.",
            "schema": {"type": "string"},
        }
    }
}
NOT_MODIFIED = validators.CACHEABLE[304]


@router.get("", response_model=Page[ReadingPublic], responses=SYNCED)
@writes_when(*SYNC_PARAMS)  # on SQLite, the watermark waits for no writer
def list_readings(
    session: SessionDep,
    page: PageDep,
    principal: Read,
    filters: ReadingFilters,
    response: Response,
    order: Order = ListOrder.id,
) -> Response:
    """List the readings you may see: partners their own and validated ones, others validated."""
    announce_watermark(session, response, filters.updated_since is not None or order == "changed")
    items, next_cursor = service.list_(session, principal, page, filters, order)
    codes = service.names(session)
    found = Page(
        items=[render.to_public(r, codes) for r in items],
        limit=page.limit,
        next_cursor=next_cursor,
    )
    return validators.listed(found, response)


@router.post(
    "",
    response_model=ReadingWritten,
    status_code=201,
    responses={
        200: {"model": ReadingWritten, "description": "Updated or unchanged"},
        **problem_responses(409),
    },
)
def create_reading(
    session: SessionDep, reading: ReadingIn, principal: Write, retry: ReadingRetry
) -> Response:
    """Post one reading; the same indicator, period, organisation, location and breakdown again
    updates it (the previous value goes to its history, and `overwrote` says what was replaced
    when someone else had written it) or, if identical, changes nothing."""
    return retry.once(reading, lambda: _write_one(session, principal, reading))


def _write_one(session: Session, principal: Principal, reading: ReadingIn) -> Answer:
    summary = service.ingest(
        session,
        principal,
        [reading.model_dump(exclude_unset=True)],
        BatchMode.atomic,
        dry_run=False,
    )
    if summary.conflicts:
        raise render.refusal(summary)
    [result] = summary.results
    assert result.outcome in ("created", "updated", "unchanged"), "an accepted row is stored"
    stored = service.get(session, principal, result.id or 0)
    body = ReadingWritten(
        **render.to_public(stored, service.names(session)).model_dump(),
        outcome=result.outcome,
        overwrote=result.overwrote,
    )
    return 201 if result.outcome == "created" else 200, body


@router.post(
    "/batch",
    response_model=ImportSummary,
    responses={
        status: {"model": BatchProblem, "description": HTTPStatus(status).phrase}
        for status in (409, 422)
    },
    openapi_extra=typed_body(ReadingBatch),
)
def import_batch(
    request: Request,
    session: SessionDep,
    principal: Write,
    payload: Annotated[dict[str, Any], Body(description='`{"readings": [...]}`')],
    retry: BatchRetry,
    dry_run: DryRun = False,
    mode: ImportMode = BatchMode.atomic,
) -> Response:
    """Post up to 10,000 readings at once, with an import summary of every row."""
    rows = _rows(payload)

    def ingest() -> Answer:
        summary = service.ingest(session, principal, rows, mode, dry_run)
        return render.batch_answer(request, summary, mode)

    return says_its_language(retry.once((payload, mode), ingest, enabled=not dry_run))


def _rows(payload: dict[str, Any]) -> list[Any]:
    rows = payload.get("readings")
    if not isinstance(rows, list) or len(rows) > MAX_BATCH:
        reason = tr(
            "must be a list of at most {MAX_BATCH:,} readings",
            MAX_BATCH=MAX_BATCH,
        )
        param = InvalidParam(location="body", field="readings", reason=reason, code="readings_list")
        raise InvalidInput(
            tr(
                "`readings` {reason}.",
                reason=reason,
            ),
            errors=[param],
        )
    extra = sorted(set(payload) - {"readings"})
    if extra:
        field = field_name(extra[:1])
        param = InvalidParam(
            location="body", field=field, reason=tr("unknown field"), code="extra_forbidden"
        )
        raise InvalidInput(
            tr(
                'Unknown field(s) {extra}; the body is {{"readings": [...]}}.',
                extra=extra,
            ),
            errors=[param],
        )
    return rows


def _versioned(response: Response, reading: Reading, session: Session) -> ReadingPublic:
    """The reading as answered by every endpoint that returns one, with its `ETag`."""
    response.headers["ETag"] = review.etag(reading)
    return render.to_public(reading, service.names(session))


@router.get(
    "/{reading_id}", response_model=ReadingPublic, responses={200: VERSIONED, 304: NOT_MODIFIED}
)
def get_reading(
    request: Request, session: SessionDep, reading_id: RecordId, principal: Read, response: Response
) -> ReadingPublic | Response:
    """Get one reading, with its version in `ETag`; `If-None-Match` with it gets a 304."""
    reading = service.get(session, principal, reading_id)
    tag = review.etag(reading)
    if tag in validators.tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers={"ETag": tag})
    return _versioned(response, reading, session)


@router.patch(
    "/{reading_id}",
    response_model=ReadingPublic,
    responses={200: VERSIONED, **problem_responses(409, 412)},
)
def update_reading(
    session: SessionDep,
    reading_id: RecordId,
    data: ReadingUpdate,
    principal: Write,
    response: Response,
    if_match: IfMatch = None,
) -> ReadingPublic:
    """Change a reading's value, comment or reference (not once validated, for partners)."""
    reading = review.update(session, principal, reading_id, data, if_match)
    return _versioned(response, reading, session)


@router.delete("/{reading_id}", status_code=204, responses=problem_responses(409))
def delete_reading(session: SessionDep, reading_id: RecordId, principal: Write) -> None:
    """Delete a reading posted by mistake (not once validated, for partners); audited."""
    review.delete(session, principal, reading_id)


REVIEWED = {200: VERSIONED, **problem_responses(409, 412)}


@router.post("/{reading_id}/validate", response_model=ReadingPublic, responses=REVIEWED)
def validate_reading(
    session: SessionDep,
    reading_id: RecordId,
    principal: Review,
    response: Response,
    if_match: IfMatch = None,
) -> ReadingPublic:
    """Validate a submitted reading: it counts in the dashboard and is frozen for partners."""
    reading = review.transition(
        session, principal, reading_id, ReadingStatus.validated, if_match=if_match
    )
    return _versioned(response, reading, session)


@router.post("/{reading_id}/reject", response_model=ReadingPublic, responses=REVIEWED)
def reject_reading(
    session: SessionDep,
    reading_id: RecordId,
    body: RejectIn,
    principal: Review,
    response: Response,
    if_match: IfMatch = None,
) -> ReadingPublic:
    """Reject a submitted reading with the reason the partner must fix."""
    reading = review.transition(
        session, principal, reading_id, ReadingStatus.rejected, body.reason, if_match
    )
    return _versioned(response, reading, session)


@router.post("/{reading_id}/reopen", response_model=ReadingPublic, responses=REVIEWED)
def reopen_reading(
    session: SessionDep,
    reading_id: RecordId,
    principal: Review,
    response: Response,
    if_match: IfMatch = None,
) -> ReadingPublic:
    """Send a validated or rejected reading back to `submitted`."""
    reading = review.transition(
        session, principal, reading_id, ReadingStatus.submitted, if_match=if_match
    )
    return _versioned(response, reading, session)


@router.get("/{reading_id}/history", response_model=list[HistoryEntry])
def get_reading_history(
    session: SessionDep, reading_id: RecordId, principal: Read
) -> list[HistoryEntry]:
    """Every change of the reading (value, status, comment, reference): who, when, what to what."""
    return service.history(session, principal, reading_id)
