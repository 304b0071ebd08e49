"""/dashboard: the quarterly protection dashboard the EHP receives, and the plan's Gantt."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ehp_api.access.deps import CurrentPrincipal
from ehp_api.dashboard import service
from ehp_api.dashboard.schemas import Dashboard, TimelineActivity
from ehp_api.db import SessionDep
from ehp_api.periods.models import PERIOD_PATTERN

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


@router.get("", response_model=Dashboard)
def get_dashboard(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="`2021Q2` or `2021`.")],
) -> Dashboard:
    """The dashboard for a quarter or a year: the plan's progress and the alerts."""
    threshold = request.app.state.settings.small_cell_threshold
    return service.build(session, principal, period, threshold)


@router.get("/timeline", response_model=list[TimelineActivity])
def get_dashboard_timeline(session: SessionDep) -> list[TimelineActivity]:
    """The plan's Gantt: per activity and quarter, planned and reported."""
    return service.timeline(session)
