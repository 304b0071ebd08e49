"""Strong validators for single records: `ETag`, `If-None-Match` (304) and `If-Match` (412).

A record's tag is a digest of the JSON the caller is answered, so it moves with what the
caller sees and nothing else: a role that sees fewer fields learns of no change in a hidden one
through its tag. The body is rendered once and its bytes both hashed and sent. A write that
takes `If-Match` renders the record as the caller would read it, and refuses (412) when its tag
is not one sent; without `If-Match` it applies as before (the header is optional, so that
existing clients keep working).

The record is rendered for the comparison after its rows are locked (`check_seen`, or the
domain's own lock before `check_if_match`), in the transaction that then writes: two writes
sending the same tag cannot both find it current, since the second reads the record only once
the first has committed (PostgreSQL; SQLite serializes every write anyway, `core.db`)."""

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, Request, Response
from pydantic import BaseModel
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from ehp_api.core.errors import InvalidParam, PreconditionFailed
from ehp_api.core.i18n import tr
from ehp_api.core.row_locks import lock_rows
from ehp_api.web.middleware import GZIP_MINIMUM_BYTES, GZIP_TAG_SUFFIX, gzipped_tag

REVALIDATE = "private, no-cache"  # a client may keep the answer, and asks with its ETag

IfMatch = Annotated[
    str | None,
    Header(
        description="The `ETag` of the record as you read it: the change applies only if the "
        "record is still as you saw it (else 412). Optional."
    ),
]
VERSIONED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "ETag": {
                "description": "The record's version as you see it, for `If-None-Match` "
                "(304) and `If-Match` (412 when stale).",
                "schema": {"type": "string"},
            }
        }
    },
}
CACHEABLE = VERSIONED | {
    304: {"description": "Not modified: your copy (its `ETag` in `If-None-Match`) is current."},
}


def etag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def tags(header: str) -> set[str]:
    """The tags of a precondition header, weak or not, gzipped or not (the gzip layer's tags
    name the same version, `middleware`)."""
    found = (tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip())
    return {tag.replace(GZIP_TAG_SUFFIX + '"', '"') for tag in found}


def body_of(model: BaseModel) -> bytes:
    return model.model_dump_json(by_alias=True).encode()


def versioned(request: Request, model: BaseModel) -> Response:
    """The record's answer with its `ETag`; a 304 without a body when `If-None-Match` names it."""
    body = body_of(model)
    headers = {"ETag": etag_of(body), "Cache-Control": REVALIDATE}
    if headers["ETag"] in tags(request.headers.get("if-none-match", "")):
        return not_modified(request, headers, len(body))
    return Response(body, media_type="application/json", headers=headers)


def not_modified(request: Request, headers: dict[str, str], size: int) -> Response:
    """A 304 with the `ETag` the 200 would have carried (RFC 9110, 15.4.5): the gzipped bytes'
    (`"...-gzip"`) when the gzip layer would have compressed the answer for this request."""
    gzipped = size >= GZIP_MINIMUM_BYTES and "gzip" in request.headers.get("accept-encoding", "")
    if gzipped:
        headers = headers | {"ETag": gzipped_tag(headers["ETag"])}
    return Response(status_code=304, headers=headers)


def listed(page: BaseModel, response: Response) -> Response:
    """A list's page as the operation's answer, with the headers the operation set on `response`.
    A page returned as a model is checked again against the route's response model, item by
    item and in another turn of the thread pool: for nothing, its items were just made as those
    models."""
    sent = Response(body_of(page), media_type="application/json")
    sent.headers.raw.extend(response.headers.raw)
    return sent


def tagged(model: BaseModel, status_code: int = 200) -> Response:
    """A write's answer: the record as it is now, with its new `ETag`."""
    body = body_of(model)
    return Response(
        body, status_code, headers={"ETag": etag_of(body)}, media_type="application/json"
    )


def check_if_match(if_match: str | None, current: BaseModel | None, what: str) -> None:
    """412 when the caller read another version of the record than the one it would read now
    (RFC 9110 If-Match), or when there is no record (`None`: a PUT that would create it, even
    with `*`); nothing without the header. `what` names the record in English, marked `N_`:
    the refusal names it in the request's language."""
    if if_match is None:
        return
    sent = tags(if_match)
    if current is not None and ("*" in sent or etag_of(body_of(current)) in sent):
        return
    reason = (
        tr("there is no {what} to match; omit If-Match to create it", what=tr(what))
        if current is None
        else tr(
            "the {what} changed since you read it; read it again (its ETag) and retry",
            what=tr(what),
        )
    )
    param = InvalidParam(location="header", field="If-Match", reason=reason, code="stale")
    raise PreconditionFailed(tr("If-Match: {reason}.", reason=reason), errors=[param])


def check_seen(
    session: Session,
    if_match: str | None,
    record: SelectOfScalar[Any],
    read: Callable[[], BaseModel | None],
    what: str,
) -> None:
    """The precondition of a write about to happen in `session`'s transaction: the `record`'s
    rows (`core.row_locks.rows`) are locked first, then `check_if_match` against the record as
    `read` renders it now (rendered only when the caller sent `If-Match`).

    Locked with or without the header: every write of the record then waits for the one in
    flight, so a write that checked a tag is not overtaken, between its check and its commit,
    by one that sent none."""
    lock_rows(session, record)
    if if_match is not None:
        check_if_match(if_match, read(), what)
