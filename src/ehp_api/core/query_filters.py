"""List filters that name records by code: the code becomes ids before the list's query."""

from typing import Any

from sqlmodel import Session

from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import tr


def unknown_code(field: str, reason: str, detail: str | None = None) -> InvalidInput:
    """A filter naming no record: an invalid query (422 naming the filter), not a 404."""
    param = InvalidParam(location="query", field=field, reason=reason, code="unknown_code")
    return InvalidInput(detail or f"{field}: {reason}", errors=[param])


def known(ids: list[int] | None, field: str, value: str) -> list[int]:
    """`ids` found for a filter's code (by a lookup kept in memory); none is a 422 naming the
    filter, as with `known_ids`."""
    if not ids:
        raise unknown_code(
            field,
            tr(
                "no record has the code {value!r}",
                value=value,
            ),
        )
    return ids


def known_ids(session: Session, stmt: Any, field: str, value: str) -> list[int]:
    """The ids `stmt` selects for a filter's code; none is a 422 naming the filter.

    Lists filter with `column IN (ids)` rather than `IN (subquery)`: PostgreSQL plans the former
    from its statistics, while the latter made it walk a whole table in id order for a page
    that matched nothing."""
    return known(list(session.exec(stmt).all()), field, value)
