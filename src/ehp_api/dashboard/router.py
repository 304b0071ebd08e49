"""/dashboard: the quarterly protection dashboard the EHP receives, and the plan's Gantt."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ehp_api.core.db import SessionDep
from ehp_api.core.guards import CurrentPrincipal
from ehp_api.dashboard import service
from ehp_api.dashboard.schemas import Dashboard, TimelineActivity
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.web import reference
from ehp_api.web.validators import CACHEABLE

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


@router.get("", response_model=Dashboard, responses=CACHEABLE)
def get_dashboard(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="`2021Q2` or `2021`.")],
) -> Response:
    """The dashboard for a quarter or a year: the plan's progress, alerts and complaints.

    A computed dashboard is kept and shared: it is recomputed after a write once it is older
    than EHP_DASHBOARD_MAX_AGE_SECONDS (60 s by default), so it may lag the data by that much;
    `generated_at` says when it was computed. Its `ETag` names the computed dashboard: send it in
    `If-None-Match` to get a 304 while it is still the one served."""
    settings = request.app.state.settings
    max_age = timedelta(seconds=settings.dashboard_max_age_seconds)
    kept = service.answer(session, principal, period, settings.small_cell_threshold, max_age)
    return reference.respond(request, kept)


@router.get("/timeline", response_model=list[TimelineActivity])
def get_dashboard_timeline(session: SessionDep) -> list[TimelineActivity]:
    """The plan's Gantt: per activity and quarter, planned and reported."""
    return service.timeline(session)
