"""/indicators/{code}/targets: the baseline and yearly targets the secretariat sets."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ehp_api.core.db import SessionDep
from ehp_api.core.errors import problem_responses
from ehp_api.core.guards import require
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.indicators import service as indicators_service
from ehp_api.indicators.schemas import INDICATOR_CODE
from ehp_api.targets import render, service
from ehp_api.targets.schemas import IndicatorTargetsIn, IndicatorTargetsPublic
from ehp_api.web.validators import CACHEABLE, VERSIONED, IfMatch, tagged, versioned

router = APIRouter(prefix="/indicators/{code}/targets", tags=["indicators"])

Code = Annotated[str, Path(pattern=INDICATOR_CODE, examples=["1.1.1.3"])]
ReadPlan = Annotated[Principal, require(Permission.workplan_read)]
Manage = Annotated[Principal, require(Permission.targets_manage)]


@router.get("", response_model=IndicatorTargetsPublic, responses=CACHEABLE)
def get_indicator_targets(
    request: Request, session: SessionDep, code: Code, principal: ReadPlan
) -> Response:
    """An indicator's baselines and yearly targets (the plan sets none; the secretariat does);
    `ETag` their version."""
    return versioned(
        request, render.to_public(session, indicators_service.get_by_code(session, code))
    )


@router.put("", response_model=IndicatorTargetsPublic, responses=problem_responses(412) | VERSIONED)
def set_indicator_targets(
    session: SessionDep,
    code: Code,
    data: IndicatorTargetsIn,
    principal: Manage,
    if_match: IfMatch = None,
) -> Response:
    """Set an indicator's baselines and yearly targets (the whole set, replacing it); audited."""
    indicator = indicators_service.get_by_code(session, code)
    return tagged(service.replace(session, principal, indicator, data, if_match))
