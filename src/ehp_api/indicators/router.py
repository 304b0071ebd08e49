"""/indicators and /disaggregations: what the plan measures and how it is broken down."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ehp_api.core.db import SessionDep, writes_when
from ehp_api.core.pagination import Page, PageDep
from ehp_api.indicators import render, service
from ehp_api.indicators.models import MeasureType
from ehp_api.indicators.schemas import (
    ACTIVITY_CODE,
    AXIS_CODE,
    INDICATOR_CODE,
    OBJECTIVE_CODE,
    DisaggregationPublic,
    IndicatorPublic,
)
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.web.reference import ReferenceAnswer, ReferenceListAnswer
from ehp_api.web.sync import SYNCED

router = APIRouter(tags=["indicators"])


@router.get("/indicators", response_model=Page[IndicatorPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_indicators(
    session: SessionDep,
    answer: ReferenceListAnswer,
    page: PageDep,
    axis: Annotated[str | None, Query(pattern=AXIS_CODE, description="Only this axis.")] = None,
    objective: Annotated[
        str | None, Query(pattern=OBJECTIVE_CODE, description="Only this objective.")
    ] = None,
    activity: Annotated[
        str | None, Query(pattern=ACTIVITY_CODE, description="Only this activity.")
    ] = None,
    measure: Annotated[MeasureType | None, Query(description="Only this measure type.")] = None,
    liptako_gourma: Annotated[
        bool | None, Query(description="Only indicators naming Liptako Gourma (or not).")
    ] = None,
    planned_in: Annotated[
        str | None,
        Query(pattern=PERIOD_PATTERN, description="Only planned in this quarter or year."),
    ] = None,
) -> Response:
    """List the plan's progress indicators in the plan's order."""

    def build() -> Page[IndicatorPublic]:
        items, next_cursor = service.list_(
            session,
            page,
            within=(axis, objective, activity),
            measure=measure,
            liptako_gourma=liptako_gourma,
            planned_in=planned_in,
        )
        return Page(
            items=[render.to_public(i) for i in items], limit=page.limit, next_cursor=next_cursor
        )

    return answer(build)


@router.get("/indicators/{code}", response_model=IndicatorPublic)
def get_indicator(
    session: SessionDep,
    answer: ReferenceAnswer,
    code: Annotated[str, Path(pattern=INDICATOR_CODE, examples=["1.3.2.1"])],
) -> Response:
    """Get one indicator with its breakdowns and planned quarters."""

    def build() -> IndicatorPublic:
        return render.to_public(service.get_by_code(session, code))

    return answer(build)


@router.get("/disaggregations", response_model=Page[DisaggregationPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_disaggregations(
    session: SessionDep, answer: ReferenceListAnswer, page: PageDep
) -> Response:
    """List the disaggregation categories and their options."""

    def build() -> Page[DisaggregationPublic]:
        items, next_cursor = service.list_categories(session, page)
        return Page(
            items=[render.category_to_public(c) for c in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)
