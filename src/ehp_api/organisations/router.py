"""/organisations: the EHP members and other actors of the plan."""

from typing import Annotated

from fastapi import APIRouter, Query

from ehp_api.db import SessionDep
from ehp_api.organisations import service
from ehp_api.organisations.models import OrganisationKind, OrganisationPublic
from ehp_api.pagination import Page, PageDep

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=Page[OrganisationPublic])
def list_organisations(
    session: SessionDep,
    page: PageDep,
    kind: Annotated[OrganisationKind | None, Query(description="Only this kind.")] = None,
    ehp_member: Annotated[
        bool | None, Query(description="Only EHP members (or non-members).")
    ] = None,
) -> Page[OrganisationPublic]:
    """List organisations in the order they were recorded."""
    items, next_cursor = service.list_(session, page, kind=kind, ehp_member=ehp_member)
    return Page(
        items=[OrganisationPublic.model_validate(o) for o in items],
        limit=page.limit,
        next_cursor=next_cursor,
    )


@router.get("/{code}", response_model=OrganisationPublic)
def get_organisation(session: SessionDep, code: str) -> OrganisationPublic:
    """Get one organisation by its code."""
    return OrganisationPublic.model_validate(service.get_by_code(session, code))
