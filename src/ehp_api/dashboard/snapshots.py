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

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, func, select
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


def fresh(
    session: Session, snapshot_key: str, version: int, max_age: timedelta
) -> dict[str, Any] | None:
    """The kept body if no write came after it, or if it is younger than `max_age`."""
    row = session.get(DashboardSnapshot, snapshot_key)
    if row is None:
        return None
    if row.data_version == version or utcnow() - row.computed_at < max_age:
        return row.body
    return None


def keep(session: Session, snapshot_key: str, version: int, body: dict[str, Any]) -> None:
    """Keep the body for the next readers, if the database lets this read write now.

    The request is a read: on SQLite its transaction holds no write lock and cannot wait for one,
    so while another request writes, the write is refused at once. A kept dashboard only saves
    work: then it is not kept, the reader gets the body all the same, and a later one keeps it.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"key": snapshot_key, "data_version": version, "body": body, "computed_at": utcnow()}
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
