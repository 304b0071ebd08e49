"""/locations and /focus-areas: P-coded geography and the strategy's geographic priorities."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ehp_api.core.db import IsoDate, SessionDep
from ehp_api.core.pagination import Page, PageDep
from ehp_api.locations import service
from ehp_api.locations.models import PCODE_PATTERN, FocusAreaPublic, LocationPublic
from ehp_api.web.reference import ReferenceAnswer

router = APIRouter(tags=["locations"])

PcodePath = Annotated[str, Path(pattern=PCODE_PATTERN, examples=["ML07"], description="P-code.")]


@router.get("/locations", response_model=Page[LocationPublic])
def list_locations(
    session: SessionDep,
    answer: ReferenceAnswer,
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
            items=[service.to_public(loc) for loc in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/locations/{pcode}", response_model=LocationPublic)
def get_location(session: SessionDep, answer: ReferenceAnswer, pcode: PcodePath) -> Response:
    """Get one location by its P-code."""

    def build() -> LocationPublic:
        return service.to_public(service.get_by_pcode(session, pcode))

    return answer(build)


@router.get("/focus-areas", response_model=Page[FocusAreaPublic])
def list_focus_areas(session: SessionDep, answer: ReferenceAnswer, page: PageDep) -> Response:
    """List the focus areas with their membership over time."""

    def build() -> Page[FocusAreaPublic]:
        items, next_cursor = service.list_focus_areas(session, page)
        return Page(
            items=[service.focus_area_to_public(a) for a in items],
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
        return service.focus_area_to_public(service.get_focus_area(session, code))

    return answer(build)
