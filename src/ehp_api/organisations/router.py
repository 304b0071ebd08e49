"""/organisations: the EHP members and other actors of the plan."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from ehp_api.core import row_locks
from ehp_api.core.db import SessionDep, writes_when
from ehp_api.core.errors import problem_responses
from ehp_api.core.guards import require
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.organisations import service
from ehp_api.organisations.models import Organisation, OrganisationKind
from ehp_api.organisations.schemas import OrganisationCreate, OrganisationPublic, OrganisationUpdate
from ehp_api.web.idempotency import Idempotency, idempotent
from ehp_api.web.reference import ReferenceAnswer, ReferenceListAnswer
from ehp_api.web.sync import SYNCED
from ehp_api.web.validators import VERSIONED, IfMatch, check_seen, tagged

# Not empty: the OpenAPI document must not let clients (or the fuzzer) ask for `/organisations/`.
OrganisationCode = Annotated[
    str, Path(min_length=1, max_length=32, description="Organisation code.", examples=["HCR"])
]
router = APIRouter(prefix="/organisations", tags=["organisations"])

ReadPlan = Annotated[Principal, require(Permission.workplan_read)]
Manage = Annotated[Principal, require(Permission.organisations_manage)]
Retry = Annotated[Idempotency, idempotent("organisations.create")]


@router.get("", response_model=Page[OrganisationPublic], responses=SYNCED)
@writes_when("updated_since")  # on SQLite, the watermark waits for no writer
def list_organisations(
    session: SessionDep,
    answer: ReferenceListAnswer,
    page: PageDep,
    _: ReadPlan,
    kind: Annotated[OrganisationKind | None, Query(description="Only this kind.")] = None,
    ehp_member: Annotated[
        bool | None, Query(description="Only EHP members (or non-members).")
    ] = None,
) -> Response:
    """List organisations in the order they were recorded."""

    def build() -> Page[OrganisationPublic]:
        items, next_cursor = service.list_(session, page, kind=kind, ehp_member=ehp_member)
        return Page(
            items=[OrganisationPublic.model_validate(o) for o in items],
            limit=page.limit,
            next_cursor=next_cursor,
        )

    return answer(build)


@router.get("/{code}", response_model=OrganisationPublic)
def get_organisation(
    session: SessionDep, answer: ReferenceAnswer, code: OrganisationCode, _: ReadPlan
) -> Response:
    """Get one organisation by its code."""

    def build() -> OrganisationPublic:
        return OrganisationPublic.model_validate(service.get_by_code(session, code))

    return answer(build)


@router.post(
    "", response_model=OrganisationPublic, status_code=201, responses=problem_responses(409)
)
def create_organisation(
    session: SessionDep, data: OrganisationCreate, actor: Manage, retry: Retry
) -> Response:
    """Add an organisation (a tenant that users and API keys can belong to)."""
    return retry.once(
        data, lambda: (201, OrganisationPublic.model_validate(service.create(session, actor, data)))
    )


@router.patch(
    "/{code}", response_model=OrganisationPublic, responses=problem_responses(412) | VERSIONED
)
def update_organisation(
    session: SessionDep,
    code: OrganisationCode,
    data: OrganisationUpdate,
    actor: Manage,
    if_match: IfMatch = None,
) -> Response:
    """Change an organisation's names, kind, membership or description (not its code)."""
    check_seen(
        session,
        if_match,
        row_locks.rows(Organisation, code=code),
        lambda: OrganisationPublic.model_validate(service.get_by_code(session, code)),
        "organisation",
    )
    return tagged(OrganisationPublic.model_validate(service.update(session, actor, code, data)))
