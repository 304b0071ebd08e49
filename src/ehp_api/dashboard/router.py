"""/dashboard: the quarterly protection dashboard the EHP receives, and the plan's Gantt."""

from datetime import date, timedelta
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response

from ehp_api.complaints import policy as complaint_policy
from ehp_api.core.db import SessionDep
from ehp_api.core.guards import CurrentPrincipal
from ehp_api.dashboard import policy, service, snapshots
from ehp_api.dashboard.schemas import Dashboard, TimelineActivity
from ehp_api.periods.models import PERIOD_PATTERN

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


@router.get("", response_model=Dashboard)
def get_dashboard(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="`2021Q2` or `2021`.")],
) -> Response:
    """The dashboard for a quarter or a year: the plan's progress, alerts and complaints.

    A computed dashboard is kept and shared: it is recomputed after a write once it is older
    than EHP_DASHBOARD_MAX_AGE_SECONDS (60 s by default), so it may lag the data by that much;
    `generated_at` says when it was computed."""
    settings = request.app.state.settings
    threshold = settings.small_cell_threshold
    max_age = timedelta(seconds=settings.dashboard_max_age_seconds)
    audience = "full" if policy.sees_alerts_in_full(principal) else "broad"
    # Kept apart for those who may learn of SEA allegations (`complaints.policy`).
    audience += "+sea" if complaint_policy.sees_sea(principal) else ""
    version = snapshots.data_version(session)
    snapshot_key = snapshots.key(period, audience, date.today())
    body = snapshots.fresh(session, snapshot_key, version, max_age)
    if body is None:
        body = service.build(session, principal, period, threshold).model_dump(mode="json")
        snapshots.keep(session, snapshot_key, version, body)
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/timeline", response_model=list[TimelineActivity])
def get_dashboard_timeline(session: SessionDep) -> list[TimelineActivity]:
    """The plan's Gantt: per activity and quarter, planned and reported."""
    return service.timeline(session)
