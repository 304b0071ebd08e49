"""The API's routes are added flat (`api.include_api`), as `include_router` would add them."""

import json

from fastapi import FastAPI
from fastapi.routing import APIRoute

from ehp_api import api


def _included() -> FastAPI:
    app = FastAPI()
    for router, guard in api.ROUTERS:
        app.include_router(
            router,
            prefix=api.PREFIX,
            dependencies=[*api.FIRST, *guard],
            responses=api.EVERY | api.GUARDED,
        )
    return app


def _flat() -> FastAPI:
    app = FastAPI()
    api.include_api(app)
    return app


def test_the_openapi_document_is_that_of_included_routers() -> None:
    """Every attribute a route documents (path, guard, responses, models, tags, ids) is copied:
    a route attribute FastAPI adds and `include_api` forgets shows here."""
    flat, included = _flat().openapi(), _included().openapi()
    assert json.dumps(flat, sort_keys=False) == json.dumps(included, sort_keys=False)


def test_every_route_is_flat_and_in_order() -> None:
    routes = [r for r in _flat().router.routes if isinstance(r, APIRoute)]
    expected = [
        (api.PREFIX + route.path, route.methods, route.endpoint)
        for router, _ in api.ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    assert [(r.path, r.methods, r.endpoint) for r in routes] == expected
    assert len(routes) > 100


def test_the_unknown_parameter_check_runs_first_then_the_shared_guard() -> None:
    by_path = {
        (r.path, tuple(sorted(r.methods))): r
        for r in _flat().router.routes
        if isinstance(r, APIRoute)
    }
    dashboard = by_path[("/api/v1/dashboard", ("GET",))]
    calls = [d.dependency for d in dashboard.dependencies]
    assert calls[0] is api.FIRST[0].dependency
    assert calls[1] is api.READ_PLAN[0].dependency
    alerts = by_path[("/api/v1/alerts", ("GET",))]
    assert alerts.dependencies[0].dependency is api.FIRST[0].dependency
