"""Queries over reporting periods."""

from sqlmodel import Session, select

from ehp_api.errors import InvalidInput, InvalidParam, NotFound
from ehp_api.pagination import PageParams, paginate
from ehp_api.periods.models import Period, PeriodKind


def list_(
    session: Session, page: PageParams, *, kind: PeriodKind | None = None, year: int | None = None
) -> tuple[list[Period], str | None]:
    stmt = select(Period)
    if kind is not None:
        stmt = stmt.where(Period.kind == kind)
    if year is not None:
        stmt = stmt.where(Period.year == year)
    return paginate(session, stmt, Period.id, page)


def get_by_code(session: Session, code: str) -> Period:
    period = session.exec(select(Period).where(Period.code == code)).first()
    if period is None:
        raise NotFound(
            f"No period {code!r} in the plan; periods are 2020Q1..2022Q4 and 2020..2022."
        )
    return period


def quarters_of(session: Session, code: str, *, query_field: str | None = None) -> list[Period]:
    """The quarters a period covers: itself for a quarter, its four quarters for a year.

    With `query_field`, an unknown period is an invalid filter (422) rather than a 404.
    """
    try:
        period = get_by_code(session, code)
    except NotFound as exc:
        if query_field is None:
            raise
        param = InvalidParam(
            location="query", field=query_field, reason=exc.detail, code="unknown_period"
        )
        raise InvalidInput(exc.detail, errors=[param]) from None
    if period.kind == PeriodKind.quarter:
        return [period]
    stmt = select(Period).where(Period.kind == PeriodKind.quarter, Period.year == period.year)
    return list(session.exec(stmt.order_by(Period.quarter)).all())
