"""List filters that name records by code: the code becomes ids before the list's query."""

from typing import Any

from sqlmodel import Session

from ehp_api.errors import InvalidInput, InvalidParam


def known_ids(session: Session, stmt: Any, field: str, value: str) -> list[int]:
    """The ids `stmt` selects for a filter's code; none is a 422 naming the filter.

    Lists filter with `column IN (ids)` rather than `IN (subquery)`: PostgreSQL plans the former
    from its statistics, while the latter made it walk a whole table in id order for a page
    that matched nothing."""
    ids = list(session.exec(stmt).all())
    if not ids:
        reason = f"no record has the code {value!r}"
        param = InvalidParam(location="query", field=field, reason=reason, code="unknown_code")
        raise InvalidInput(f"{field}: {reason}", errors=[param])
    return ids
