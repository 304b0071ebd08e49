"""/periods: the quarters and years of the plan."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ehp_api.core.db import SessionDep, writes_when
from ehp_api.core.guards import require
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.periods import service
from ehp_api.periods.models import PERIOD_PATTERN, PeriodKind
from ehp_api.periods.schemas import PeriodLockIn, PeriodPublic
from ehp_api.web.reference import ReferenceAnswer, ReferenceListAnswer
from ehp_api.web.sync import SYNCED

router = APIRouter(prefix="/periods", tags=["periods"])

PeriodCode = Annotated[
    str, Path(pattern=PERIOD_PATTERN, examples=["2021Q3"], description="`2021Q3` or `2021`.")
]
ReadPlan = Annotated[Principal, require(Permission.workplan_read)]
LockPeriods = Annotated[Principal, require(Permission.periods_lock)]


@router.get("", response_model=Page[PeriodPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_periods(
    session: SessionDep,
    answer: ReferenceListAnswer,
    page: PageDep,
    _: ReadPlan,
    kind: Annotated[PeriodKind | None, Query(description="Only quarters or only years.")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Only this year.")] = None,
) -> Response:
    """List reporting periods, years and quarters in chronological order."""

    def build() -> Page[PeriodPublic]:
        items, next_cursor = service.list_(session, page, kind=kind, year=year)
        return Page(
            items=[PeriodPublic.model_validate(p) for p in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/{code}", response_model=PeriodPublic)
def get_period(
    session: SessionDep, answer: ReferenceAnswer, code: PeriodCode, _: ReadPlan
) -> Response:
    """Get one period by its code."""

    def build() -> PeriodPublic:
        return PeriodPublic.model_validate(service.get_by_code(session, code))

    return answer(build)


@router.post("/{code}/lock", response_model=PeriodPublic)
def lock_period(
    session: SessionDep, code: PeriodCode, actor: LockPeriods, body: PeriodLockIn | None = None
) -> PeriodPublic:
    """Lock a period: readings for it (and, for a year, its quarters) are refused until unlocked."""
    period = service.lock(session, actor, code, body.reason if body else None)
    return PeriodPublic.model_validate(period)


@router.post("/{code}/unlock", response_model=PeriodPublic)
def unlock_period(session: SessionDep, code: PeriodCode, actor: LockPeriods) -> PeriodPublic:
    """Unlock a period so that readings can be posted and changed again."""
    return PeriodPublic.model_validate(service.unlock(session, actor, code))
