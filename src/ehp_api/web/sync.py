"""The query parameters and the header of a synced list (readings, alerts, complaints)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from sqlmodel import Session

from ehp_api.core import changes
from ehp_api.core.db import IsoDateTime, as_utc
from ehp_api.core.pagination import ListOrder, Order

SERVER_TIME = "X-Server-Time"
SYNCED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            SERVER_TIME: {
                "description": "With `updated_since` or `order=changed`: the time to pass as "
                "`updated_since` next, keeping the first page's (every change before it is "
                "in this pass). UTC, ISO 8601.",
                "schema": {"type": "string", "format": "date-time"},
            }
        }
    }
}


@dataclass(frozen=True)
class Sync:
    updated_since: datetime | None
    order: str

    @property
    def asked(self) -> bool:
        return self.updated_since is not None or self.order == "changed"


async def sync_params(
    updated_since: Annotated[
        IsoDateTime | None,
        Query(description="Changed at or after this time (inclusive): incremental sync."),
    ] = None,
    order: Order = ListOrder.id,
) -> Sync:
    return Sync(as_utc(updated_since), order)


SyncDep = Annotated[Sync, Depends(sync_params)]
SYNC_PARAMS = ("updated_since", "order")  # for `core.db.writes_when`


def announce_watermark(session: Session, response: Response, asked: bool) -> None:
    """Before the list's query: its `X-Server-Time`, for a caller that syncs."""
    if asked:
        response.headers[SERVER_TIME] = changes.watermark(session).isoformat()
