"""/strategy, /axes, /objectives, /activities: the 2020-2022 work plan."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ehp_api.core.db import SessionDep, writes_when
from ehp_api.core.pagination import Page, PageDep
from ehp_api.indicators.schemas import ACTIVITY_CODE, AXIS_CODE, OBJECTIVE_CODE
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.web.reference import ReferenceAnswer, ReferenceListAnswer
from ehp_api.web.sync import SYNCED
from ehp_api.workplan import render, service
from ehp_api.workplan.schemas import ActivityPublic, AxisPublic, ObjectivePublic, StrategyPublic

router = APIRouter(tags=["work plan"])

OrganisationCode = Annotated[str | None, Query(pattern=r"^[A-Z0-9][A-Z0-9-]{1,31}$")]


@router.get("/strategy", response_model=StrategyPublic)
def get_strategy(session: SessionDep, answer: ReferenceAnswer) -> Response:
    """Get the strategy whose work plan is loaded."""

    def build() -> StrategyPublic:
        return StrategyPublic.model_validate(service.get_strategy(session))

    return answer(build)


@router.get("/axes", response_model=Page[AxisPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_axes(session: SessionDep, answer: ReferenceListAnswer, page: PageDep) -> Response:
    """List the priority axes with their objectives."""

    def build() -> Page[AxisPublic]:
        items, next_cursor = service.list_axes(session, page)
        return Page(
            items=[render.axis_to_public(a) for a in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/axes/{code}", response_model=AxisPublic)
def get_axis(
    session: SessionDep,
    answer: ReferenceAnswer,
    code: Annotated[str, Path(pattern=AXIS_CODE, examples=["1"])],
) -> Response:
    """Get one priority axis with its objectives."""

    def build() -> AxisPublic:
        return render.axis_to_public(service.get_axis(session, code))

    return answer(build)


@router.get("/objectives", response_model=Page[ObjectivePublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_objectives(
    session: SessionDep,
    answer: ReferenceListAnswer,
    page: PageDep,
    axis: Annotated[str | None, Query(pattern=AXIS_CODE, description="Only this axis.")] = None,
    nexus: Annotated[bool | None, Query(description="Only objectives marked (Nexus).")] = None,
) -> Response:
    """List objectives with their activities."""

    def build() -> Page[ObjectivePublic]:
        items, next_cursor = service.list_objectives(session, page, axis=axis, nexus=nexus)
        return Page(
            items=[render.objective_to_public(o) for o in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/objectives/{code}", response_model=ObjectivePublic)
def get_objective(
    session: SessionDep,
    answer: ReferenceAnswer,
    code: Annotated[str, Path(pattern=OBJECTIVE_CODE, examples=["1.3"])],
) -> Response:
    """Get one objective with its activities."""

    def build() -> ObjectivePublic:
        return render.objective_to_public(service.get_objective(session, code))

    return answer(build)


@router.get("/activities", response_model=Page[ActivityPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_activities(
    session: SessionDep,
    answer: ReferenceListAnswer,
    page: PageDep,
    axis: Annotated[str | None, Query(pattern=AXIS_CODE, description="Only this axis.")] = None,
    objective: Annotated[
        str | None, Query(pattern=OBJECTIVE_CODE, description="Only this objective.")
    ] = None,
    lead: Annotated[
        OrganisationCode,
        Query(description="Only activities this organisation leads (`Tout EHP` included)."),
    ] = None,
    actor: Annotated[
        OrganisationCode, Query(description="Only activities naming this organisation as actor.")
    ] = None,
    planned_in: Annotated[
        str | None,
        Query(pattern=PERIOD_PATTERN, description="Only planned in this quarter or year."),
    ] = None,
    liptako_gourma: Annotated[
        bool | None, Query(description="Only activities targeting Liptako Gourma (or not).")
    ] = None,
) -> Response:
    """List activities with their indicators, leads, actors and schedule."""

    def build() -> Page[ActivityPublic]:
        items, next_cursor = service.list_activities(
            session,
            page,
            within=(axis, objective),
            lead=lead,
            actor=actor,
            planned_in=planned_in,
            liptako_gourma=liptako_gourma,
        )
        return Page(
            items=[render.activity_to_public(a) for a in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/activities/{code}", response_model=ActivityPublic)
def get_activity(
    session: SessionDep,
    answer: ReferenceAnswer,
    code: Annotated[str, Path(pattern=ACTIVITY_CODE, examples=["1.2.1"])],
) -> Response:
    """Get one activity with its indicators, leads, other actors and schedule."""

    def build() -> ActivityPublic:
        return render.activity_to_public(service.get_activity(session, code))

    return answer(build)
