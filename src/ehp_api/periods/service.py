"""Queries over reporting periods."""

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.core.errors import InvalidInput, InvalidParam, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.principal import Principal
from ehp_api.core.row_locks import for_update
from ehp_api.periods.models import Period, PeriodKind, PeriodLock
from ehp_api.web import reference


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
            tr(
                "No period {code!r} in the plan; periods are 2020Q1..2022Q4 and 2020..2022.",
                code=code,
            )
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


def lock_of(period: Period, year: Period | None) -> PeriodLock | None:
    """The lock that closes the period: its own, or its year's."""
    return period.lock or (year.lock if year is not None else None)


def _locked(session: Session, code: str) -> Period:
    """The period under an update lock: it waits for the writes into the period in flight (they
    hold it shared, see `share`), and for a concurrent lock or unlock, then reads its lock again."""
    period = session.exec(for_update(select(Period).where(Period.code == code), Period)).first()
    return period if period is not None else get_by_code(session, code)


def code_of(session: Session, period_id: int) -> str:
    return session.exec(select(Period.code).where(Period.id == period_id)).one()


def share(session: Session, codes: Iterable[Any]) -> None:
    """Called by every write into periods before it checks their locks: holds the periods named by
    `codes` (and their years, whose lock closes them too) against a lock until the write commits.
    A lock taken meanwhile waits for it; one committed before is seen by the check that follows,
    the reference data's version (which a lock changes) read anew after the hold, so that the
    worker's kept lookups (`readings.lookups`) are not those of a version the transaction read
    before another worker's lock."""
    named = {code for code in codes if isinstance(code, str)}
    wanted = sorted(named | {code[:4] for code in named})
    if wanted:
        stmt = select(Period.id).where(Period.code.in_(wanted)).order_by(Period.id)
        session.exec(stmt.with_for_update(read=True)).all()
    reference.read_version_again(session)


def lock(session: Session, actor: Principal, code: str, reason: str | None) -> Period:
    period = _locked(session, code)
    if period.lock is None:
        period.lock = PeriodLock(period_id=period.id or 0, locked_by=actor.name, reason=reason)
        session.flush()
        changes = audit.diff(None, {"locked_by": actor.name, "reason": reason})
        audit.record(session, actor, "period.lock", "period", code, changes)
    return period


def unlock(session: Session, actor: Principal, code: str) -> Period:
    period = _locked(session, code)
    if period.lock is not None:
        before = {"locked_by": period.lock.locked_by, "reason": period.lock.reason}
        session.delete(period.lock)
        session.flush()
        session.refresh(period)
        audit.record(session, actor, "period.unlock", "period", code, audit.diff(before, None))
    return period
