"""/locations and /focus-areas: P-coded geography and the strategy's geographic priorities."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ehp_api.core.db import IsoDate, SessionDep, writes_when
from ehp_api.core.pagination import Page, PageDep
from ehp_api.locations import render, service
from ehp_api.locations.models import PCODE_PATTERN
from ehp_api.locations.schemas import FocusAreaPublic, LocationPublic
from ehp_api.web.reference import ReferenceAnswer, ReferenceListAnswer
from ehp_api.web.sync import SYNCED

router = APIRouter(tags=["locations"])

PcodePath = Annotated[str, Path(pattern=PCODE_PATTERN, examples=["ML07"], description="P-code.")]


@router.get("/locations", response_model=Page[LocationPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_locations(
    session: SessionDep,
    answer: ReferenceListAnswer,
    page: PageDep,
    level: Annotated[int | None, Query(ge=1, le=2, description="1 region, 2 cercle.")] = None,
    parent: Annotated[
        str | None, Query(pattern=PCODE_PATTERN, description="Only the areas inside this P-code.")
    ] = None,
    focus_area: Annotated[
        str | None, Query(description="Only locations in this focus area (`liptako_gourma`).")
    ] = None,
    on: Annotated[
        IsoDate | None, Query(description="Date for the focus area's membership; default today.")
    ] = None,
) -> Response:
    """List locations (admin 1 and admin 2 P-codes)."""

    def build() -> Page[LocationPublic]:
        items, next_cursor = service.list_(
            session, page, level=level, parent=parent, focus_area=focus_area, on=on
        )
        return Page(
            items=[render.to_public(loc) for loc in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/locations/{pcode}", response_model=LocationPublic)
def get_location(session: SessionDep, answer: ReferenceAnswer, pcode: PcodePath) -> Response:
    """Get one location by its P-code."""

    def build() -> LocationPublic:
        return render.to_public(service.get_by_pcode(session, pcode))

    return answer(build)


@router.get("/focus-areas", response_model=Page[FocusAreaPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_focus_areas(session: SessionDep, answer: ReferenceListAnswer, page: PageDep) -> Response:
    """List the focus areas with their membership over time."""

    def build() -> Page[FocusAreaPublic]:
        items, next_cursor = service.list_focus_areas(session, page)
        return Page(
            items=[render.focus_area_to_public(a) for a in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/focus-areas/{code}", response_model=FocusAreaPublic)
def get_focus_area(
    session: SessionDep,
    answer: ReferenceAnswer,
    code: Annotated[str, Path(min_length=1, max_length=40, examples=["liptako_gourma"])],
) -> Response:
    """Get one focus area (`liptako_gourma`) with its membership over time."""

    def build() -> FocusAreaPublic:
        return render.focus_area_to_public(service.get_focus_area(session, code))

    return answer(build)
