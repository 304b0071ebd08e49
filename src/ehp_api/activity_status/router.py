"""/activities/{code}/status: each lead's word on how the activity goes, quarter by quarter."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from ehp_api.activity_status import service
from ehp_api.activity_status.schemas import ActivityStatusIn, ActivityStatusPublic
from ehp_api.core.db import SessionDep
from ehp_api.core.errors import problem_responses
from ehp_api.core.guards import require
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.web.validators import VERSIONED, IfMatch, tagged

router = APIRouter(prefix="/activities/{code}/status", tags=["work plan"])

Code = Annotated[str, Path(pattern=r"^\d+\.\d+\.\d+$", examples=["2.1.1"])]
ReadPlan = Annotated[Principal, require(Permission.workplan_read)]
Write = Annotated[Principal, require(Permission.activity_status_write)]


@router.get("", response_model=list[ActivityStatusPublic])
def list_activity_statuses(
    session: SessionDep,
    code: Code,
    principal: ReadPlan,
    period: Annotated[
        str | None, Query(pattern=PERIOD_PATTERN, description="Only this quarter or year.")
    ] = None,
) -> list[ActivityStatusPublic]:
    """The statuses its leads gave the activity, quarter by quarter."""
    return service.list_(session, code, period)


@router.put(
    "/{period}",
    response_model=ActivityStatusPublic,
    status_code=200,
    responses={
        201: {"model": ActivityStatusPublic, "description": "Given"},
        **problem_responses(409, 412),
    }
    | VERSIONED,
)
def give_activity_status(
    session: SessionDep,
    code: Code,
    period: Annotated[str, Path(pattern=r"^\d{4}Q[1-4]$", examples=["2021Q2"])],
    data: ActivityStatusIn,
    principal: Write,
    if_match: IfMatch = None,
) -> Response:
    """Give (or change) a lead's status of the activity for a quarter, with evidence; audited."""
    status, created = service.give(session, principal, code, period, data, if_match)
    return tagged(status, 201 if created else 200)
