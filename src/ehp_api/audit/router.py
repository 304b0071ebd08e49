"""/audit-events: the append-only record of writes and confidential reads."""

from typing import Annotated

from fastapi import APIRouter, Query

from ehp_api.audit import policy, render, service
from ehp_api.audit.schemas import AuditEventPublic
from ehp_api.core.db import MAX_ID, IsoDateTime, SessionDep
from ehp_api.core.guards import require
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal, PrincipalKind

router = APIRouter(tags=["audit"])


@router.get("/audit-events", response_model=Page[AuditEventPublic])
def list_audit_events(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.audit_read)],
    entity_type: Annotated[str | None, Query(description="Kind of record, e.g. `api_key`.")] = None,
    entity_id: Annotated[str | None, Query(description="Id or code of the record.")] = None,
    action: Annotated[str | None, Query(description="e.g. `user.create`.")] = None,
    principal_kind: Annotated[PrincipalKind | None, Query(description="Who acted.")] = None,
    principal_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="User or key id.")
    ] = None,
    organisation: Annotated[str | None, Query(description="Principal's organisation code.")] = None,
    since: Annotated[IsoDateTime | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[IsoDateTime | None, Query(description="Before this time.")] = None,
) -> Page[AuditEventPublic]:
    """List audit events, newest first: those about records you may read now."""
    items, next_cursor = service.list_(
        session,
        page,
        visible=policy.visible_to(principal),
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        principal_kind=principal_kind,
        principal_id=principal_id,
        organisation=organisation,
        since=since,
        until=until,
    )
    codes = service.organisation_codes(session, items)
    return Page(
        items=[render.to_public(e, codes) for e in items],
        limit=page.limit,
        next_cursor=next_cursor,
    )


@router.get("/audit-events/psea", response_model=Page[AuditEventPublic])
def list_psea_audit_events(
    session: SessionDep,
    page: PageDep,
    _: Annotated[Principal, require(Permission.complaints_confidential)],
    since: Annotated[IsoDateTime | None, Query(description="From this time (inclusive).")] = None,
) -> Page[AuditEventPublic]:
    """PSEA focal points only: every grant of their role and every read of an SEA case."""
    items, next_cursor = service.list_(session, page, visible=policy.psea_view(), since=since)
    codes = service.organisation_codes(session, items)
    return Page(
        items=[render.to_public(e, codes) for e in items],
        limit=page.limit,
        next_cursor=next_cursor,
    )
