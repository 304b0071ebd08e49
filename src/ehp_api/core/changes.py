"""What a client that keeps a copy needs: the clock it syncs by, and tombstones for removals.

A synced record (a reading, an alert, a complaint, a user, an API key) carries `updated_at`, and
a client asks for what changed since its last pass. Two things a list cannot tell it are kept here:

- **Removals.** A record deleted, or one the caller could see and no longer may (a validated
  reading sent back to review, a complaint made confidential or referred elsewhere), leaves a
  tombstone: its kind, id and time, and the columns its visibility depends on *as they were*
  (the record's "audience"). The feed serves a tombstone to whoever could see the record then and
  cannot now, by the domain's own `visible_to` applied to those columns: it tells a caller
  nothing it could not see before. Written by a flush hook, so no ORM write path can forget it;
  the bulk paths (`readings.store`) call `record` themselves.
- **A clock without gaps.** A change is stamped while its transaction runs, and seen when it
  commits: a client that asked again from the time of its last answer would miss a change
  stamped before that time and committed after it. So every transaction that writes a synced
  record holds the sync lock shared (SQLite: its write lock, held from BEGIN; PostgreSQL: a
  shared advisory lock) and stamps `updated_at` after taking it; `watermark` takes the lock
  alone for a moment (waits for the writers in flight), and the time it reads then is one
  before which every change is committed and visible to the reads that follow.
"""

import zlib
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Index, event, inspect, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Field, Session, SQLModel

from ehp_api.core.db import UTCDateTime, utcnow

# Any 64-bit number, the same in every process: the advisory lock of synced writes.
_LOCK_KEY = zlib.crc32(b"ehp_api.changes")
_HELD = "ehp.changes_held"


class Tombstone(SQLModel, table=True):
    """A record removed from some caller's view at `removed_at`, with its audience then."""

    __tablename__ = "tombstones"
    __table_args__ = (Index("ix_tombstones_removed_at_id", "removed_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    record_id: int
    removed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str | None = Field(default=None, max_length=30)
    sensitive: bool | None = None
    organisation_id: int | None = None
    other_organisation_id: int | None = None


@dataclass(frozen=True)
class Tracked:
    """A synced model: its kind in the feed, and which tombstone column keeps which attribute."""

    kind: str
    audience: dict[str, str]  # tombstone column -> the model's attribute
    quiet: frozenset[str] = frozenset()  # attributes whose change alone is no change to sync
    removable: bool = True  # False: never deleted (a user, a key), so never tombstoned

    def as_before(self) -> Any:
        """Stands for the model in its policy's `visible_to(principal, row)`: the attributes
        its visibility reads, as the tombstone keeps them."""
        return SimpleNamespace(
            **{attr: getattr(Tombstone, column) for column, attr in self.audience.items()}
        )


TRACKED: dict[type, Tracked] = {}


def track(
    model: type[SQLModel],
    kind: str,
    *,
    quiet: frozenset[str] = frozenset(),
    removable: bool = True,
    **audience: str,
) -> None:
    """Make `model` synced: stamped under the sync lock, and tombstoned when deleted or when an
    attribute its visibility reads changes (`column="attribute"`, columns of `Tombstone`).
    A change to `quiet` attributes alone (bookkeeping such as a last login) leaves `updated_at`
    where it was; a model that is never deleted (`removable=False`) leaves no tombstone."""
    TRACKED[model] = Tracked(kind, audience, quiet, removable)


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)  # an enum's member, stored as its value


def tombstone(kind: str, record_id: int, when: datetime, **audience: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "record_id": record_id,
        "removed_at": when,
        **{column: _plain(value) for column, value in audience.items()},
    }


def record(session: Session | OrmSession, rows: list[dict[str, Any]]) -> None:
    """Write tombstones (`tombstone(...)` rows) in the caller's transaction."""
    if rows:
        session.execute(Tombstone.__table__.insert(), rows)  # type: ignore[attr-defined]  # sqlmodel does not declare it


def hold(session: Session | OrmSession) -> datetime:
    """Take the sync lock shared for the rest of the transaction; the time to stamp with.
    SQLite: a transaction that writes holds the write lock from its BEGIN (IMMEDIATE), so
    beginning it is enough. Taken again at each flush: a shared lock is counted, not refused."""
    connection = session.connection()
    if connection.dialect.name == "postgresql" and not session.info.get(_HELD):
        connection.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": _LOCK_KEY})
        session.info[_HELD] = True
    return utcnow()


@event.listens_for(OrmSession, "after_transaction_end")
def _released(session: OrmSession, transaction: Any) -> None:
    if transaction.parent is None:  # the advisory lock goes with the outermost transaction
        session.info.pop(_HELD, None)


def watermark(session: Session) -> datetime:
    """A time before which every change to a synced record is committed and visible to the
    caller's next reads: ask again `updated_since` it and nothing is missed. On SQLite the
    caller's transaction must hold the write lock (`core.db.writes`), so no writer is in flight;
    on PostgreSQL the lock is taken alone for a moment (the writers in flight finish first), and
    the reads that follow, each with a new snapshot (READ COMMITTED), see what they wrote."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return utcnow()
    connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
    try:
        return utcnow()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})


def _before(obj: Any, attribute: str) -> Any:
    """The attribute's value as loaded, before this flush's change."""
    history = inspect(obj).attrs[attribute].history
    return history.deleted[0] if history.deleted else getattr(obj, attribute)


def _changed(session: OrmSession, obj: Any) -> bool:
    """Whether a flush changes one of the attributes a synced copy keeps."""
    quiet = TRACKED[type(obj)].quiet
    if not session.is_modified(obj) or not quiet:
        return session.is_modified(obj)
    state = inspect(obj)
    return any(
        state.attrs[a.key].history.has_changes()
        for a in state.mapper.column_attrs
        if a.key not in quiet
    )


def _audience_changed(obj: Any, tracked: Tracked) -> bool:
    state = inspect(obj)
    return any(state.attrs[attr].history.has_changes() for attr in tracked.audience.values())


@event.listens_for(OrmSession, "before_flush")
def _on_flush(session: OrmSession, _: UOWTransaction, __: Any) -> None:
    changed = [o for o in session.new if type(o) in TRACKED]
    changed += [o for o in session.dirty if type(o) in TRACKED and _changed(session, o)]
    removed = [o for o in session.deleted if type(o) in TRACKED and TRACKED[type(o)].removable]
    if not changed and not removed:
        return
    now = hold(session)
    for obj in changed:
        if obj.updated_at is None or obj.updated_at < now:
            obj.updated_at = now
    stones = [_stone(o, now) for o in removed]
    stones += [
        _stone(o, now)
        for o in changed
        if o not in session.new and _audience_changed(o, TRACKED[type(o)])
    ]
    record(session, stones)


def _stone(obj: Any, when: datetime) -> dict[str, Any]:
    tracked = TRACKED[type(obj)]
    audience = {column: _before(obj, attr) for column, attr in tracked.audience.items()}
    return tombstone(tracked.kind, obj.id, when, **audience)
