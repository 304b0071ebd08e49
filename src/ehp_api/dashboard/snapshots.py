"""Dashboards kept once computed, until the data changes: before an EHP meeting many people open
the same quarter, and recomputing it for each from a million readings would be wasted work.

The data version is the newest audit event's id: every write through the API or the CLI adds
one (readings, reviews, alerts, complaints, seed...), so a newer event means the dashboard may
have changed. The key carries the day too, because overdue counts depend on today. Rows live in
the database, so every worker shares them.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from ehp_api.audit.models import AuditEvent
from ehp_api.db import UTCDateTime, utcnow


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


def fresh(session: Session, snapshot_key: str, version: int) -> dict[str, Any] | None:
    row = session.get(DashboardSnapshot, snapshot_key)
    return row.body if row is not None and row.data_version == version else None


def keep(session: Session, snapshot_key: str, version: int, body: dict[str, Any]) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"key": snapshot_key, "data_version": version, "body": body, "computed_at": utcnow()}
    stmt = insert(DashboardSnapshot).values(**values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "data_version": stmt.excluded.data_version,
                "body": stmt.excluded.body,
                "computed_at": stmt.excluded.computed_at,
            },
        )
    )
