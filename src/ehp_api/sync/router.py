"""/removals: what a client that keeps a copy must drop (deleted, or gone from its view)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ehp_api.core.db import IsoDateTime, SessionDep, as_utc, writes
from ehp_api.core.guards import CurrentPrincipal
from ehp_api.core.pagination import Page, PageDep
from ehp_api.sync import service
from ehp_api.sync.schemas import RemovalPublic, RemovedKind
from ehp_api.web.sync import SYNCED, announce_watermark

router = APIRouter(tags=["sync"])


@router.get("/removals", response_model=Page[RemovalPublic], responses=SYNCED)
@writes  # on SQLite, the watermark waits for no writer
def list_removals(
    session: SessionDep,
    page: PageDep,
    principal: CurrentPrincipal,
    response: Response,
    since: Annotated[
        IsoDateTime | None,
        Query(description="Removed at or after this time (inclusive): the lists' `updated_since`."),
    ] = None,
    kind: Annotated[RemovedKind | None, Query(description="Only this kind.")] = None,
) -> Page[RemovalPublic]:
    """Records to drop from a synced copy: deleted, or no longer visible to you, oldest first."""
    announce_watermark(session, response, True)
    items, next_cursor = service.removals(session, principal, page, as_utc(since), kind)
    return Page(items=items, limit=page.limit, next_cursor=next_cursor)
