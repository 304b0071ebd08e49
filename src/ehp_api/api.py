"""The table of contents of the API: one router per domain, all under /api/v1."""

from fastapi import APIRouter, Depends

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

# First of every route's dependencies: a query parameter the operation does not take is refused.
api_router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(refuse_unknown_query_parameters)],
    responses=problem_responses(404, 422, 500, 503),
)
read_plan = [require(Permission.workplan_read)]
guarded = problem_responses(401, 403)

# /auth/token, /auth/logout, /me, /users, /api-keys (each route declares its own guard)
api_router.include_router(access_router, responses=guarded)
# /audit-events
api_router.include_router(audit_router, responses=guarded)

# /labels (every enum value's label, in French and English)
api_router.include_router(labels_router, dependencies=read_plan, responses=guarded)
# /strategy, /axes, /objectives, /activities
api_router.include_router(workplan_router, dependencies=read_plan, responses=guarded)
# /activities/{code}/status (each route declares its own guard)
api_router.include_router(activity_status_router, responses=guarded)
# /indicators, /disaggregations
api_router.include_router(indicators_router, dependencies=read_plan, responses=guarded)
# /indicators/{code}/values (the figures, by the plan's aggregation rules)
api_router.include_router(progress_router, dependencies=read_plan, responses=guarded)
# /indicators/{code}/targets (each route declares its own guard)
api_router.include_router(targets_router, responses=guarded)
# /organisations (each route declares its own guard)
api_router.include_router(organisations_router, responses=guarded)
# /locations, /focus-areas
api_router.include_router(locations_router, dependencies=read_plan, responses=guarded)
# /periods (each route declares its own guard)
api_router.include_router(periods_router, responses=guarded)
# /readings/import, /readings/template.{xlsx,csv} (before /readings/{reading_id})
api_router.include_router(files_router, responses=guarded)
# /readings (each route declares its own guard)
api_router.include_router(readings_router, responses=guarded)
# /exports/readings.{csv,xlsx}, /exports/workplan.xlsx (each route declares its own guard)
api_router.include_router(exports_router, responses=guarded)
# /alerts, /trigger-rules (each route declares its own guard)
api_router.include_router(alerts_router, responses=guarded)
# /complaints, /complaint-deadlines (each route declares its own guard; follow-up is public)
api_router.include_router(complaints_config_router, responses=guarded)
api_router.include_router(complaints_router, responses=guarded)
# /removals (any principal; each kind as its read permission allows)
api_router.include_router(sync_router, responses=guarded)
# /register (meetings, notes, information requests, decisions, action points; own guards)
api_router.include_router(register_router, responses=guarded)
# /dashboard, /dashboard/timeline
api_router.include_router(dashboard_router, dependencies=read_plan, responses=guarded)
# /reports/quarterly/{period}.docx
api_router.include_router(reports_router, responses=guarded)
# /webhooks, /webhooks/{id}/deliveries (each route declares its own guard)
api_router.include_router(notifications_router, responses=guarded)
