"""The table of contents of the API: one router per domain, all under /api/v1."""

import inspect
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from ehp_api.access.router import router as access_router
from ehp_api.activity_status.router import router as activity_status_router
from ehp_api.alerts.router import router as alerts_router
from ehp_api.audit.router import router as audit_router
from ehp_api.complaints.config_router import router as complaints_config_router
from ehp_api.complaints.router import router as complaints_router
from ehp_api.core.errors import problem_responses
from ehp_api.core.guards import require
from ehp_api.core.permissions import Permission
from ehp_api.dashboard.router import router as dashboard_router
from ehp_api.exports.router import router as exports_router
from ehp_api.indicators.router import router as indicators_router
from ehp_api.locations.router import router as locations_router
from ehp_api.notifications.router import router as notifications_router
from ehp_api.organisations.router import router as organisations_router
from ehp_api.periods.router import router as periods_router
from ehp_api.progress.router import router as progress_router
from ehp_api.readings.files.router import router as files_router
from ehp_api.readings.router import router as readings_router
from ehp_api.register.router import router as register_router
from ehp_api.reports.router import router as reports_router
from ehp_api.sync.router import router as sync_router
from ehp_api.targets.router import router as targets_router
from ehp_api.web.labels import router as labels_router
from ehp_api.web.unknown_parameters import refuse_unknown_query_parameters
from ehp_api.workplan.router import router as workplan_router

PREFIX = "/api/v1"
# First of every route's dependencies: a query parameter the operation does not take is refused.
FIRST = [Depends(refuse_unknown_query_parameters)]
EVERY = problem_responses(404, 422, 500, 503)
GUARDED = problem_responses(401, 403)
READ_PLAN = [require(Permission.workplan_read)]
OWN_GUARDS: list[Any] = []

# Each domain's router and the guard its routes share, in the order requests are matched.
ROUTERS: list[tuple[APIRouter, list[Any]]] = [
    # /auth/token, /auth/logout, /me, /users, /api-keys (each route declares its own guard)
    (access_router, OWN_GUARDS),
    # /audit-events
    (audit_router, OWN_GUARDS),
    # /labels (every enum value's label, in French and English)
    (labels_router, READ_PLAN),
    # /strategy, /axes, /objectives, /activities
    (workplan_router, READ_PLAN),
    # /activities/{code}/status (each route declares its own guard)
    (activity_status_router, OWN_GUARDS),
    # /indicators, /disaggregations
    (indicators_router, READ_PLAN),
    # /indicators/{code}/values (the figures, by the plan's aggregation rules)
    (progress_router, READ_PLAN),
    # /indicators/{code}/targets (each route declares its own guard)
    (targets_router, OWN_GUARDS),
    # /organisations (each route declares its own guard)
    (organisations_router, OWN_GUARDS),
    # /locations, /focus-areas
    (locations_router, READ_PLAN),
    # /periods (each route declares its own guard)
    (periods_router, OWN_GUARDS),
    # /readings/import, /readings/template.{xlsx,csv} (before /readings/{reading_id})
    (files_router, OWN_GUARDS),
    # /readings (each route declares its own guard)
    (readings_router, OWN_GUARDS),
    # /exports/readings.{csv,xlsx}, /exports/workplan.xlsx (each route declares its own guard)
    (exports_router, OWN_GUARDS),
    # /alerts, /trigger-rules (each route declares its own guard)
    (alerts_router, OWN_GUARDS),
    # /complaints, /complaint-deadlines (each route declares its own guard; follow-up is public)
    (complaints_config_router, OWN_GUARDS),
    (complaints_router, OWN_GUARDS),
    # /removals (any principal; each kind as its read permission allows)
    (sync_router, OWN_GUARDS),
    # /register (meetings, notes, information requests, decisions, action points; own guards)
    (register_router, OWN_GUARDS),
    # /dashboard, /dashboard/timeline
    (dashboard_router, READ_PLAN),
    # /reports/quarterly/{period}.docx
    (reports_router, OWN_GUARDS),
    # /webhooks, /webhooks/{id}/deliveries (each route declares its own guard)
    (notifications_router, OWN_GUARDS),
]


# What `add_api_route` takes that a route keeps as it is: read from FastAPI's own signature, so
# that an option a later FastAPI adds is copied too rather than dropped.
_KEPT = [
    name
    for name in inspect.signature(APIRouter.add_api_route).parameters
    if name not in {"self", "path", "endpoint", "dependencies", "responses", "route_class_override"}
]


def include_api(app: FastAPI) -> None:
    """Every domain's routes under /api/v1, added to the app's own router one by one, as
    `include_router` would add them but without its nesting. FastAPI keeps an included router
    as a branch: matched in full by its parent, again when the request is handed down, and by
    the router itself. Flat, a request refused by its guard took 0.66 ms in process instead of
    0.93 (2026-12-06, benchmarks/README.md, `load.py`). The routes and the OpenAPI document are
    those of `include_router` (tests/test_api_routes.py)."""
    for router, guard in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                raise TypeError(f"{route!r}: only API routes are flattened")
            app.router.add_api_route(
                PREFIX + route.path,
                route.endpoint,
                dependencies=[*FIRST, *guard, *route.dependencies],
                responses={**EVERY, **GUARDED, **route.responses},
                route_class_override=type(route),
                **{name: getattr(route, name) for name in _KEPT},
            )
