"""/complaint-deadlines and /complaints/intake/kobo/forms: what the secretariat configures."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ehp_api.complaints import deadlines, kobo_forms
from ehp_api.complaints.deadlines import DeadlineTable, DeadlineTableIn
from ehp_api.complaints.kobo_forms import XFORM_ID_PATTERN, KoboFormIn, KoboFormPublic
from ehp_api.complaints.models import ComplaintDeadline, KoboForm
from ehp_api.core import row_locks
from ehp_api.core.db import SessionDep
from ehp_api.core.errors import problem_responses
from ehp_api.core.guards import require
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.web.validators import CACHEABLE, VERSIONED, IfMatch, check_seen, tagged, versioned

router = APIRouter(tags=["complaints"])

Read = Annotated[Principal, require(Permission.complaints_read)]
Configure = Annotated[Principal, require(Permission.complaints_configure)]
XFormId = Annotated[
    str,
    Path(pattern=XFORM_ID_PATTERN, description="The form's `_xform_id_string` (asset uid)."),
]


@router.get("/complaint-deadlines", response_model=DeadlineTable, responses=CACHEABLE)
def get_complaint_deadlines(request: Request, session: SessionDep, _: Read) -> Response:
    """The referral deadlines by category and sensitivity; `ETag` their version."""
    return versioned(request, deadlines.table(session))


@router.put(
    "/complaint-deadlines",
    response_model=DeadlineTable,
    responses=problem_responses(412) | VERSIONED,
)
def replace_complaint_deadlines(
    session: SessionDep, data: DeadlineTableIn, actor: Configure, if_match: IfMatch = None
) -> Response:
    """Replace the deadline table (every row); complaints received from now on get the new ones."""
    # The whole table is the record: every row of it is locked.
    check_seen(
        session,
        if_match,
        row_locks.rows(ComplaintDeadline),
        lambda: deadlines.table(session),
        "deadline table",
    )
    return tagged(deadlines.replace(session, actor, data))


@router.get("/complaints/intake/kobo/forms", response_model=Page[KoboFormPublic])
def list_kobo_forms(session: SessionDep, page: PageDep, _: Configure) -> Page[KoboFormPublic]:
    """List the KoboToolbox form mappings."""
    items, next_cursor = kobo_forms.list_(session, page)
    return Page(
        items=kobo_forms.to_public(session, items),
        limit=page.limit,
        next_cursor=next_cursor,
    )


@router.get(
    "/complaints/intake/kobo/forms/{xform_id}", response_model=KoboFormPublic, responses=CACHEABLE
)
def get_kobo_form(
    request: Request, session: SessionDep, xform_id: XFormId, _: Configure
) -> Response:
    """Get the mapping of one KoboToolbox form; `ETag` its version."""
    return versioned(request, kobo_forms.to_public(session, [kobo_forms.get(session, xform_id)])[0])


def _kobo_form(session: SessionDep, xform_id: str) -> KoboFormPublic | None:
    form = kobo_forms.find(session, xform_id)
    return None if form is None else kobo_forms.to_public(session, [form])[0]


@router.put(
    "/complaints/intake/kobo/forms/{xform_id}",
    response_model=KoboFormPublic,
    responses={201: {"model": KoboFormPublic, "description": "Created"}}
    | problem_responses(412)
    | VERSIONED,
)
def put_kobo_form(
    session: SessionDep,
    xform_id: XFormId,
    data: KoboFormIn,
    actor: Configure,
    if_match: IfMatch = None,
) -> Response:
    """Create or replace the mapping of a KoboToolbox form to complaint fields (If-Match on a
    form not mapped yet: 412)."""
    check_seen(
        session,
        if_match,
        row_locks.rows(KoboForm, xform_id=xform_id),
        lambda: _kobo_form(session, xform_id),
        "Kobo form mapping",
    )
    form, created = kobo_forms.put(session, actor, xform_id, data)
    return tagged(kobo_forms.to_public(session, [form])[0], 201 if created else 200)
