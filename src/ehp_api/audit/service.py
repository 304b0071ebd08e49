"""Recording and querying audit events. Rows are only ever inserted."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session, select

from ehp_api.audit.models import AuditEvent
from ehp_api.core.db import as_utc, select_row, table_of
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.principal import Principal, PrincipalKind
from ehp_api.core.request_context import request_id_var

MASK = "***"


def diff(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    sensitive: Iterable[str] = (),
) -> dict[str, dict[str, Any]]:
    """Changed fields, old and new; a sensitive field shows that it changed, never its value."""
    before, after, hidden = before or {}, after or {}, set(sensitive)
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in hidden:
            old, new = (MASK if old is not None else None), (MASK if new is not None else None)
        changes[field] = {"old": _plain(old), "new": _plain(new)}
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return (
        value
        if value is None or isinstance(value, (str, int, float, bool, list, dict))
        else str(value)
    )


def record(
    session: Session,
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: object = None,
    changes: dict[str, Any] | None = None,
    *,
    confidential: bool = False,
) -> AuditEvent:
    """Append one event in the caller's transaction: it exists exactly when the write does."""
    event = AuditEvent(
        principal_kind=principal.kind,
        principal_id=principal.id,
        principal_name=principal.name[:254],
        organisation_id=principal.organisation_id,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id)[:80],
        changes=changes or {},
        request_id=request_id_var.get(),
        confidential=confidential,
    )
    session.add(event)
    return event


def anonymous(name: str) -> Principal:
    """The unauthenticated caller of a login attempt, named by what it claimed to be."""
    return Principal(PrincipalKind.user, None, name, None, None, None, frozenset())


def list_(
    session: Session,
    page: PageParams,
    *,
    visible: Any = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    principal_kind: PrincipalKind | None = None,
    principal_id: int | None = None,
    organisation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AuditEvent], str | None]:
    """A page of events, newest first; `visible`: the reader's condition (`audit.policy`)."""
    stmt = select(AuditEvent)
    if visible is not None:
        stmt = stmt.where(visible)
    equal = {
        AuditEvent.entity_type: entity_type,
        AuditEvent.entity_id: entity_id,
        AuditEvent.action: action,
        AuditEvent.principal_kind: principal_kind,
        AuditEvent.principal_id: principal_id,
    }
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if organisation is not None:
        organisations = _organisations()
        org_ids = select_row(organisations.c.id).where(organisations.c.code == organisation)
        stmt = stmt.where(AuditEvent.organisation_id.in_(org_ids))
    if since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= as_utc(since))
    if until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < as_utc(until))
    return paginate(
        session, stmt, AuditEvent.id, page, newest_first=True, public_key=AuditEvent.public_id
    )


def organisation_codes(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.organisation_id for e in events if e.organisation_id}
    if not ids:
        return {}
    organisations = _organisations()
    stmt = select_row(organisations.c.id, organisations.c.code).where(organisations.c.id.in_(ids))
    return {row[0]: row[1] for row in session.execute(stmt)}


def _organisations() -> Table:
    """The table the events' `organisation_id` points at, reached through its foreign key: the
    organisations record their changes here, so the log names them without importing them."""
    (key,) = table_of(AuditEvent).c.organisation_id.foreign_keys
    return key.column.table
