"""The table of contents of the API: one router per domain, all under /api/v1."""

from fastapi import APIRouter

from ehp_api.errors import problem_responses
from ehp_api.indicators.router import router as indicators_router
from ehp_api.locations.router import router as locations_router
from ehp_api.organisations.router import router as organisations_router
from ehp_api.periods.router import router as periods_router
from ehp_api.workplan.router import router as workplan_router

api_router = APIRouter(prefix="/api/v1", responses=problem_responses(404, 422, 500, 503))

# /strategy, /axes, /objectives, /activities
api_router.include_router(workplan_router)
# /indicators, /disaggregations
api_router.include_router(indicators_router)
# /organisations
api_router.include_router(organisations_router)
# /locations, /focus-areas
api_router.include_router(locations_router)
# /periods
api_router.include_router(periods_router)
