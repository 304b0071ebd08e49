"""The fuzzing's own check can fail: it tells a problem document from other error bodies."""

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.testclient import TestClient
from schemathesis import Response

from tests.fuzz import schema as fuzz
from tests.fuzz.checks import problem_details, unknown_query_parameters_refused


def _answers() -> TestClient:
    app = FastAPI()

    @app.get("/plain")
    def plain() -> PlainTextResponse:
        return PlainTextResponse("no", status_code=403)

    @app.get("/fastapi-default")
    def fastapi_default() -> JSONResponse:
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    @app.get("/wrong-status")
    def wrong_status() -> JSONResponse:
        body = {"type": "/problems/conflict", "title": "Conflict", "status": 409, "detail": "x"}
        return JSONResponse(body, status_code=422, media_type="application/problem+json")

    return TestClient(app)


@pytest.mark.parametrize("path", ["/plain", "/fastapi-default", "/wrong-status"])
def test_an_error_that_is_not_a_problem_of_its_status_fails(path: str) -> None:
    response = Response.from_any(_answers().get(path))
    with pytest.raises(AssertionError):
        problem_details(None, response, None)  # type: ignore[arg-type]


def test_the_apps_problems_pass_and_successes_are_not_its_business(anon_client: TestClient) -> None:
    unauthorised = Response.from_any(anon_client.get("/api/v1/strategy"))
    assert unauthorised.status_code == 401
    assert problem_details(None, unauthorised, None) is True  # type: ignore[arg-type]
    healthy = Response.from_any(anon_client.get("/healthz"))
    assert problem_details(None, healthy, None) is None  # type: ignore[arg-type]


def test_an_unknown_query_parameter_ignored_fails_and_refused_passes(ocha: TestClient) -> None:
    case = fuzz.load()["/api/v1/activities"]["GET"].Case(query={"limit": 2, "lmit": 2})
    served = Response.from_any(ocha.get("/api/v1/activities?limit=2"))
    with pytest.raises(AssertionError, match=r"\['lmit'\] were ignored"):
        unknown_query_parameters_refused(None, served, case)  # type: ignore[arg-type]
    refused = Response.from_any(ocha.get("/api/v1/activities?limit=2&lmit=2"))
    assert unknown_query_parameters_refused(None, refused, case) is True  # type: ignore[arg-type]
    known = fuzz.load()["/api/v1/activities"]["GET"].Case(query={"limit": 2})
    assert unknown_query_parameters_refused(None, served, known) is None  # type: ignore[arg-type]
