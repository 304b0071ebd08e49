"""The one pagination scheme of every list: keyset cursors over the id, in a stable order."""

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlmodel import Session

from ehp_api.core.db import MAX_ID
from ehp_api.core.errors import InvalidInput, InvalidParam

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list. Follow `next_cursor` until it is null to read the whole list."""

    items: list[T] = Field(description="The records of this page, in the list's order.")
    limit: int = Field(description="The page size that was applied.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class PageParams(BaseModel):
    limit: int
    cursor: str | None


async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(description="Opaque cursor from the previous page's `next_cursor`.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded))["after"]
        # A forged position beyond the id column's range would overflow the query (a 500).
        if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_ID:
            raise TypeError
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidInput(
            "The cursor is not one this API issued; start again without it.",
            errors=[
                InvalidParam(
                    location="query", field="cursor", reason="malformed cursor", code="cursor"
                )
            ],
        ) from None
    return after


def paginate(
    session: Session,
    stmt: Select[Any],
    id_column: Any,
    params: PageParams,
    *,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """Run `stmt` ordered by `id_column` from the cursor on; one query per page."""
    if params.cursor is not None:
        after = decode_cursor(params.cursor)
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = list(session.scalars(stmt.order_by(order).limit(params.limit + 1)).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor(getattr(rows[-1], id_column.key))
