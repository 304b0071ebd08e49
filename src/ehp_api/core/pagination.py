"""The one pagination scheme of every list: keyset cursors over the id, in a stable order; a
list whose rows are known outside by a random key carries that key in its cursor instead."""

import base64
import binascii
import json
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar, get_args

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_, select
from sqlmodel import Session

from ehp_api.core.db import MAX_ID
from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import N_, enum_labels, tr

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_PUBLIC_KEY = 64

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list. Follow `next_cursor` until it is null to read the whole list."""

    items: list[T] = Field(description="The records of this page, in the list's order.")
    limit: int = Field(description="The page size that was applied.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """`ActivityPage`, not `Page_ActivityPublic_`: the name becomes a class in generated
        clients. A page of one of several shapes (`AlertFull | AlertRestricted`) is named by
        the words they share (`AlertPage`)."""
        return f"{_record_name(params[0])}Page"


def _record_name(item: Any) -> str:
    names = [re.sub(r"Public$", "", arg.__name__) for arg in get_args(item) or (item,)]
    words = [re.findall(r"[A-Z][a-z0-9]*", name) for name in names]
    shared = []
    for parts in zip(*words, strict=False):
        if len(set(parts)) > 1:
            break
        shared.append(parts[0])
    return "".join(shared) or "Or".join(names)


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


def encode_cursor(last: int | str | list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last}).encode()).decode().rstrip("=")


def _malformed() -> InvalidInput:
    return InvalidInput(
        tr("The cursor is not one this API issued; start again without it."),
        errors=[
            InvalidParam(
                location="query", field="cursor", reason=tr("malformed cursor"), code="cursor"
            )
        ],
    )


def decode_cursor(cursor: str, kind: type[int] | type[str] = int) -> Any:
    """The position a cursor names: an id, or (`kind` str) a row's public key."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _malformed() from None
    if kind is str:
        if not isinstance(after, str) or not 0 < len(after) <= MAX_PUBLIC_KEY:
            raise _malformed()
        return after
    # A forged position beyond the id column's range would overflow the query (a 500).
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_ID:
        raise _malformed()
    return after


class ListOrder(StrEnum):
    """The order of a list: by id, or by change (to sync by)."""

    id = "id"
    changed = "changed"


Order = Annotated[
    ListOrder,
    Query(
        description="`id`: oldest first; `changed`: by `updated_at`, then id, the order to sync "
        "by (the answer's `X-Server-Time` is the next `updated_since`)."
    ),
]


def _encode_change(changed_at: datetime, record_id: int) -> str:
    return encode_cursor([changed_at.isoformat(), record_id])


def _decode_change(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, after = json.loads(base64.urlsafe_b64decode(padded))["after"]
        changed_at = datetime.fromisoformat(when)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _malformed() from None
    valid_id = isinstance(after, int) and not isinstance(after, bool) and 0 <= after <= MAX_ID
    if not valid_id or changed_at.tzinfo is None:
        raise _malformed()
    return changed_at, after


def paginate_by_change(
    session: Session, stmt: Select[Any], changed_column: Any, id_column: Any, params: PageParams
) -> tuple[list[Any], str | None]:
    """Run `stmt` ordered by (`changed_column`, `id_column`) from the cursor on; one query per
    page. A row changed while a client pages moves past the cursor and is met again: a pass
    misses nothing that was there when it began."""
    if params.cursor is not None:
        changed_at, after = _decode_change(params.cursor)
        stmt = stmt.where(
            or_(
                changed_column > changed_at,
                and_(changed_column == changed_at, id_column > after),
            )
        )
    ordered = stmt.order_by(changed_column, id_column).limit(params.limit + 1)
    rows = list(session.scalars(ordered).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, _encode_change(getattr(last, changed_column.key), getattr(last, id_column.key))


def paginate_in(
    session: Session,
    stmt: Select[Any],
    model: Any,
    params: PageParams,
    order: str = "id",
) -> tuple[list[Any], str | None]:
    """A synced list's page, in the order asked: by id, or by change (`updated_at`)."""
    if order == "changed":
        return paginate_by_change(session, stmt, model.updated_at, model.id, params)
    return paginate(session, stmt, model.id, params)


def paginate(
    session: Session,
    stmt: Select[Any],
    id_column: Any,
    params: PageParams,
    *,
    newest_first: bool = False,
    public_key: Any = None,
) -> tuple[list[Any], str | None]:
    """Run `stmt` ordered by `id_column` from the cursor on; one query per page.

    The cursor names the page's last row by its id; for a list whose ids its readers may not
    all see (`public_key`: a random key the API shows instead), by that key, so the cursor tells
    nothing of the sequence: the row's place is looked up (one more probe of a unique index)."""
    if params.cursor is not None:
        if public_key is None:
            after = decode_cursor(params.cursor)
        else:
            token = decode_cursor(params.cursor, str)
            after = session.scalar(select(id_column).where(public_key == token))
            if after is None:
                raise _malformed()
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = list(session.scalars(stmt.order_by(order).limit(params.limit + 1)).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    key = id_column if public_key is None else public_key
    return rows, encode_cursor(getattr(rows[-1], key.key))


enum_labels(ListOrder, {ListOrder.id: N_("Oldest first"), ListOrder.changed: N_("By change")})
