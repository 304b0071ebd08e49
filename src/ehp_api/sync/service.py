"""The removals since a time, for the caller."""

from datetime import datetime

from sqlmodel import Session, select

from ehp_api.core.changes import Tombstone
from ehp_api.core.pagination import PageParams, paginate_by_change
from ehp_api.core.principal import Principal
from ehp_api.sync import policy
from ehp_api.sync.schemas import RemovalPublic, RemovedKind


def removals(
    session: Session,
    principal: Principal,
    page: PageParams,
    since: datetime | None,
    kind: RemovedKind | None,
) -> tuple[list[RemovalPublic], str | None]:
    """A page of the caller's removals, oldest first; the same record may come more than once
    (each time it left the caller's view)."""
    stmt = select(Tombstone).where(policy.visible_to(principal))
    if since is not None:
        stmt = stmt.where(Tombstone.removed_at >= since)
    if kind is not None:
        stmt = stmt.where(Tombstone.kind == kind)
    rows, next_cursor = paginate_by_change(session, stmt, Tombstone.removed_at, Tombstone.id, page)
    items = [
        RemovalPublic(kind=RemovedKind(t.kind), id=t.record_id, removed_at=t.removed_at)
        for t in rows
    ]
    return items, next_cursor
