"""Reference data served from each worker's snapshot: the plan, organisations, places, periods.

Axes, objectives, activities, indicators, their breakdowns and schedules, organisations,
locations, focus areas and periods change only when they are seeded or edited, yet every client
reads them all the time (a front end loads the plan on each start). A worker keeps the answers
it has rendered for them (the JSON bytes, by path and query) and serves them again without
reading the rows, for as long as the reference data stay as they were; and lookups that many
answers need (codes by id) are kept the same way (`memo`).

How a worker knows: one row, `reference_stamp`, holds a version that every transaction changing a
reference table replaces with a new random one (a flush event, so no write path can forget it),
in the same transaction.
Each answer costs one primary-key read of that version; a new version, committed by any worker or
by the command line, empties the snapshot of every worker on its next request. Data changed with
SQL past the service (a hand-made fix) must move the stamp too: `ehp-api db touch-reference`.

Sync. The lists take `updated_since`, answered whole or not at all: the stamp also keeps the time
of the last change (`changed_at`, stamped under the sync lock of `core.changes`, as a synced
record is), and a list asked `updated_since` a time after it answers an empty page; otherwise it
answers every item, as without `updated_since` (the same bytes and ETag), and the client replaces
its copy of that list. An answer is nested (an axis holds its objectives, an activity its
indicators, leads and schedule), so a row's own time would not say when its answer changed; and
the reference data change rarely and are small. Each such answer carries `X-Server-Time`.

Answers carry a strong `ETag` (a digest of the bytes); `If-None-Match` with it gets a 304 without
a body. The answer does not depend on who asks (authentication and permissions are checked
before, by the route's dependencies), so one snapshot serves every caller of the worker. The
snapshot also keeps each answer gzipped as the gzip layer would send it, so that a client
accepting gzip costs no compression. The version is read once per request: it is kept in the
session's `info` until its transaction ends or changes the reference data.
"""

import gzip
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from cachetools import LRUCache
from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import BigInteger, event, insert, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Field, Session, SQLModel

from ehp_api.core import changes
from ehp_api.core.db import IsoDateTime, SessionDep, UTCDateTime, as_utc, utcnow
from ehp_api.core.pagination import Page, PageDep, PageParams
from ehp_api.web.middleware import GZIP_LEVEL, GZIP_MINIMUM_BYTES
from ehp_api.web.sync import SERVER_TIME
from ehp_api.web.validators import REVALIDATE, etag_of, not_modified, tags

# Tables whose rows make up the answers kept here.
REFERENCE_TABLES = frozenset(
    {
        "strategies",
        "axes",
        "objectives",
        "activities",
        "activity_leads",
        "activity_actors",
        "activity_schedules",
        "disaggregation_categories",
        "disaggregation_options",
        "indicators",
        "indicator_disaggregations",
        "indicator_schedules",
        "organisations",
        "locations",
        "focus_areas",
        "focus_area_versions",
        "focus_area_members",
        "periods",
        "period_locks",
    }
)
SNAPSHOT_SIZE = 4_000  # answers per worker: the plan's pages and items, and their filters


class ReferenceStamp(SQLModel, table=True):
    """The version of the reference data: raised by every transaction that changes them."""

    __tablename__ = "reference_stamp"

    id: int = Field(primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)
    # When the reference data last changed (None: before this was kept, so "any time").
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def _touches_reference(session: OrmSession) -> bool:
    changed = (
        *session.new,
        *session.deleted,
        *(o for o in session.dirty if session.is_modified(o)),
    )
    return any(getattr(o, "__tablename__", None) in REFERENCE_TABLES for o in changed)


@event.listens_for(OrmSession, "after_flush")
def _raise_the_stamp(session: OrmSession, _: UOWTransaction) -> None:
    # After the flush, `new`, `dirty` and `deleted` still name what it wrote.
    if _touches_reference(session):
        touch(session)


def touch(session: OrmSession) -> None:
    """Give the reference data a new version, in the caller's transaction (the row is made if
    missing). A random one, not the next: a transaction that changed them and then rolled back
    must not leave its number to the next change, whose data would differ from what a worker
    may have kept under it while reading in that transaction."""
    values = {"version": secrets.randbits(62), "changed_at": changes.hold(session)}
    session.info.pop(_VERSION, None)
    stamp = update(ReferenceStamp).where(ReferenceStamp.id == 1)
    if session.execute(stamp.values(**values)).rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        session.execute(insert(ReferenceStamp).values(id=1, **values))


_VERSION = "ehp.reference_version"


def version_of(session: OrmSession) -> int:
    """The version of the reference data, read once per transaction (or savepoint) of `session`."""
    version = session.info.get(_VERSION)
    if version is None:
        version = session.info[_VERSION] = session.execute(_STAMP).scalar() or 0
    return version


def read_version_again(session: OrmSession) -> None:
    """The next `version_of` reads the version anew rather than the transaction's first reading:
    for a transaction that has just taken locks, and must see every change committed before them
    (`periods.service.share`: a period's lock)."""
    session.info.pop(_VERSION, None)


# Built once: building it cost as much as running it.
_STAMP = select(ReferenceStamp.version).where(ReferenceStamp.id == 1)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_the_version(session: OrmSession, _: Any) -> None:
    # The next transaction (or what a rolled back savepoint leaves) may see another version.
    session.info.pop(_VERSION, None)


_T = TypeVar("_T")
_memos: dict[str, tuple[int, Any]] = {}
_memos_lock = threading.Lock()


def memo(session: Session, name: str, build: Callable[[], _T]) -> _T:
    """`build()`, kept by this process while the reference data keep their version: the lookups
    that many answers need (codes by id), computed once per version instead of once a request."""
    version = version_of(session)
    with _memos_lock:
        kept = _memos.get(name)
    if kept is not None and kept[0] == version:
        return kept[1]
    value = build()
    with _memos_lock:
        _memos[name] = (version, value)
    return value


class Kept:
    """One answer: its bytes, their strong ETag, and the same bytes gzipped (made on the first
    request that accepts gzip; None for an answer too small to be compressed)."""

    __slots__ = ("_gzipped", "body", "etag")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.etag = etag_of(body)
        self._gzipped: bytes | None = None

    def gzipped(self) -> bytes | None:
        if len(self.body) < GZIP_MINIMUM_BYTES:
            return None
        if self._gzipped is None:  # two threads may both make it: the same bytes (mtime 0)
            self._gzipped = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzipped


class Snapshot:
    """(path, query) -> the answer kept for one version; emptied when the version moves."""

    def __init__(self, size: int = SNAPSHOT_SIZE) -> None:
        self._answers: LRUCache[str, Kept] = LRUCache(maxsize=size)
        self._version: int | None = None
        self._lock = threading.Lock()

    def get(self, version: int, key: str) -> Kept | None:
        with self._lock:
            if version != self._version:
                self._answers.clear()
                self._version = version
            return self._answers.get(key)

    def put(self, version: int, key: str, body: bytes) -> Kept:
        answer = Kept(body)
        with self._lock:
            if version == self._version:
                self._answers[key] = answer
        return answer


class Answer:
    """What a reference route returns: `answer(lambda: <the public model>)`."""

    def __init__(self, request: Request, session: Session) -> None:
        self._request = request
        self._session = session

    def __call__(self, build: Callable[[], BaseModel]) -> Response:
        snapshot: Snapshot = self._request.app.state.reference
        version = version_of(self._session)
        # Today's date: what "today" means to a filter's default (a focus area's membership).
        key = f"{utcnow().date()} {self._request.url.path}?{self._query()}"
        kept = snapshot.get(version, key) or snapshot.put(
            version, key, build().model_dump_json(by_alias=True).encode()
        )
        return respond(self._request, kept)

    def _query(self) -> str:
        return self._request.url.query


class ListAnswer(Answer):
    """What a reference list returns: with `updated_since`, an empty page when the reference data
    have not changed since, else the whole answer (the client replaces its copy of the list)."""

    def __init__(
        self, request: Request, session: Session, page: PageParams, since: datetime | None
    ) -> None:
        super().__init__(request, session)
        self._page = page
        self._since = since

    def __call__(self, build: Callable[[], BaseModel]) -> Response:
        if self._since is None:
            return super().__call__(build)
        server_time = changes.watermark(self._session).isoformat()
        changed_at = self._session.execute(_CHANGED_AT).scalar()
        if changed_at is not None and changed_at < self._since:
            empty = Page[Any](items=[], limit=self._page.limit, next_cursor=None)
            response = respond(self._request, Kept(empty.model_dump_json().encode()))
            response.headers[SERVER_TIME] = server_time
            return response
        response = super().__call__(build)
        response.headers[SERVER_TIME] = server_time
        return response

    def _query(self) -> str:
        """The list's without `updated_since`: its answer, snapshot key and ETag are the same."""
        if self._since is None:
            return super()._query()
        items = self._request.query_params.multi_items()
        return urlencode([(k, v) for k, v in items if k != "updated_since"])


_CHANGED_AT = select(ReferenceStamp.changed_at).where(ReferenceStamp.id == 1)


def respond(request: Request, kept: Kept) -> Response:
    headers = {"ETag": kept.etag, "Cache-Control": REVALIDATE}
    if kept.etag in tags(request.headers.get("if-none-match", "")):
        return not_modified(request, headers, len(kept.body))
    # What the gzip layer would send (it passes an answer already encoded through), without
    # compressing the same bytes again on every request.
    gzipped = kept.gzipped() if "gzip" in request.headers.get("accept-encoding", "") else None
    if gzipped is None:
        return Response(kept.body, media_type="application/json", headers=headers)
    headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(gzipped, media_type="application/json", headers=headers)


async def answer(request: Request, session: SessionDep) -> Answer:
    return Answer(request, session)


ReferenceAnswer = Annotated[Answer, Depends(answer)]


async def list_answer(
    request: Request,
    session: SessionDep,
    page: PageDep,
    updated_since: Annotated[
        IsoDateTime | None,
        Query(
            description="Changed at or after this time (inclusive): the whole list when any "
            "reference data changed since (replace your copy), else an empty page."
        ),
    ] = None,
) -> ListAnswer:
    return ListAnswer(request, session, page, as_utc(updated_since))


ReferenceListAnswer = Annotated[ListAnswer, Depends(list_answer)]
