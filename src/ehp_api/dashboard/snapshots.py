"""Dashboards kept once computed, until the data changes: before an EHP meeting many people open
the same quarter, and recomputing it for each from a million readings would be wasted work.

The data version is the newest audit event's id: every write through the API or the CLI adds
one (readings, reviews, alerts, complaints, seed...), so a newer event means the dashboard may
have changed. While partners write all day, that would recompute the dashboard for nearly every
reader: a kept dashboard younger than EHP_DASHBOARD_MAX_AGE_SECONDS (60 s) is served even if
the data changed since (its `generated_at` says when it was computed; 0 turns this off).
The key carries the day too, because overdue counts depend on today. Rows live in
the database, so every worker shares them.
"""

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import JSON, BindParameter, Column, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, Session, SQLModel

from ehp_api.audit.models import AuditEvent
from ehp_api.core.db import UTCDateTime, utcnow

logger = logging.getLogger(__name__)


class DashboardSnapshot(SQLModel, table=True):
    __tablename__ = "dashboard_snapshots"

    key: str = Field(max_length=100, primary_key=True)
    data_version: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def data_version(session: Session) -> int:
    return session.execute(select(func.max(AuditEvent.id))).scalar() or 0


def key(period: str, audience: str, today: date) -> str:
    return f"{period}|{audience}|{today.isoformat()}"


class Stamp(NamedTuple):
    data_version: int
    computed_at: datetime


def stamp(session: Session, snapshot_key: str) -> Stamp | None:
    """The kept dashboard's version and time, without its body (a worker may have made its
    answer already: `service.answer`)."""
    row = session.execute(_STAMP, {"key": snapshot_key}).first()
    return None if row is None else Stamp(row.data_version, row.computed_at)


def current(kept: Stamp, version: int, max_age: timedelta) -> bool:
    """No write came after it, or it is younger than `max_age`."""
    return kept.data_version == version or utcnow() - kept.computed_at < max_age


def body(session: Session, snapshot_key: str) -> tuple[datetime, dict[str, Any]] | None:
    """The kept dashboard's time and body."""
    row = session.execute(_BODY, {"key": snapshot_key}).first()
    return None if row is None else (row.computed_at, row.body)


@contextmanager
def computing(session: Session, snapshot_key: str) -> Iterator[bool]:
    """Whether this request computes the dashboard of `snapshot_key`: False while another one
    does. On PostgreSQL, in any worker: an advisory lock held to the end of the transaction that
    keeps it. On SQLite, in this process (several workers on SQLite are not advised)."""
    if session.get_bind().dialect.name == "postgresql":
        lock = {"c": _LOCK_CLASS, "k": _lock_key(snapshot_key)}
        yield bool(session.execute(_TRY_LOCK, lock).scalar())
        return
    with _computing_lock:
        mine = snapshot_key not in _computing
        _computing.add(snapshot_key)
    try:
        yield mine
    finally:
        if mine:
            with _computing_lock:
                _computing.discard(snapshot_key)


# The two-key advisory locks of dashboards being computed: (this class, the key's hash). Those of
# `progress.kept` are (indicator, organisation), whose ids are positive.
_LOCK_CLASS = -0xDA5B
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(CAST(:c AS integer), CAST(:k AS integer))")
_computing: set[str] = set()
_computing_lock = threading.Lock()


def _lock_key(snapshot_key: str) -> int:
    digest = hashlib.blake2b(snapshot_key.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


_KEY: BindParameter[str] = bindparam("key")
_STAMP = select(DashboardSnapshot.data_version, DashboardSnapshot.computed_at).where(
    DashboardSnapshot.key == _KEY
)
_BODY = select(DashboardSnapshot.computed_at, DashboardSnapshot.body).where(
    DashboardSnapshot.key == _KEY
)


def keep(
    session: Session, snapshot_key: str, version: int, body: dict[str, Any]
) -> datetime | None:
    """Keep the body for the next readers, if the database lets this read write now; its time
    when kept.

    The request is a read: on SQLite its transaction holds no write lock and cannot wait for one,
    so while another request writes, the write is refused at once. A kept dashboard only saves
    work: then it is not kept, the reader gets the body all the same, and a later one keeps it.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    computed_at = utcnow()
    values = {
        "key": snapshot_key,
        "data_version": version,
        "body": body,
        "computed_at": computed_at,
    }
    stmt = insert(DashboardSnapshot).values(**values)
    upsert = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "data_version": stmt.excluded.data_version,
            "body": stmt.excluded.body,
            "computed_at": stmt.excluded.computed_at,
        },
    )
    try:
        with session.begin_nested():
            session.execute(upsert)
    except OperationalError:
        logger.info("dashboard %s not kept: the database is busy", snapshot_key)
        return None
    return computed_at
