"""/complaint-deadlines and /complaints/intake/kobo/forms: what the secretariat configures."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from ehp_api.complaints import deadlines, kobo_forms
from ehp_api.complaints.deadlines import DeadlineTable, DeadlineTableIn
from ehp_api.complaints.kobo_forms import XFORM_ID_PATTERN, KoboFormIn, KoboFormPublic
from ehp_api.core.db import SessionDep
from ehp_api.core.guards import require
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

router = APIRouter(tags=["complaints"])

Read = Annotated[Principal, require(Permission.complaints_read)]
Configure = Annotated[Principal, require(Permission.complaints_configure)]
XFormId = Annotated[
    str,
    Path(pattern=XFORM_ID_PATTERN, description="The form's `_xform_id_string` (asset uid)."),
]


@router.get("/complaint-deadlines", response_model=DeadlineTable)
def get_complaint_deadlines(session: SessionDep, _: Read) -> DeadlineTable:
    """The referral deadlines by category and sensitivity."""
    return deadlines.table(session)


@router.put("/complaint-deadlines", response_model=DeadlineTable)
def replace_complaint_deadlines(
    session: SessionDep, data: DeadlineTableIn, actor: Configure
) -> DeadlineTable:
    """Replace the deadline table (every row); complaints received from now on get the new ones."""
    return deadlines.replace(session, actor, data)


@router.get("/complaints/intake/kobo/forms", response_model=Page[KoboFormPublic])
def list_kobo_forms(session: SessionDep, page: PageDep, _: Configure) -> Page[KoboFormPublic]:
    """List the KoboToolbox form mappings."""
    items, next_cursor = kobo_forms.list_(session, page)
    return Page(
        items=kobo_forms.to_public(session, items),
        limit=page.limit,
        next_cursor=next_cursor,
    )


@router.get("/complaints/intake/kobo/forms/{xform_id}", response_model=KoboFormPublic)
def get_kobo_form(session: SessionDep, xform_id: XFormId, _: Configure) -> KoboFormPublic:
    """Get the mapping of one KoboToolbox form."""
    return kobo_forms.to_public(session, [kobo_forms.get(session, xform_id)])[0]


@router.put(
    "/complaints/intake/kobo/forms/{xform_id}",
    response_model=KoboFormPublic,
    responses={201: {"model": KoboFormPublic, "description": "Created"}},
)
def put_kobo_form(
    session: SessionDep, xform_id: XFormId, data: KoboFormIn, actor: Configure
) -> JSONResponse:
    """Create or replace the mapping of a KoboToolbox form to complaint fields."""
    form, created = kobo_forms.put(session, actor, xform_id, data)
    body = kobo_forms.to_public(session, [form])[0].model_dump(mode="json")
    return JSONResponse(body, status_code=201 if created else 200)
