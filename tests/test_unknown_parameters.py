"""Query parameters an operation does not take are refused with a 422 naming them."""

import re
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from ehp_api.core.config import Settings
from ehp_api.core.errors import install_handlers
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.web.unknown_parameters import accepted_names, refuse_unknown_query_parameters

PROBLEM = "application/problem+json"
BOGUS = "bogus_param"


def _operations(settings: Settings) -> list[tuple[str, str, list[str]]]:
    """(method, path, query parameter names) of every operation of the served document."""
    document = create_app(settings).openapi()
    return [
        (method.upper(), path, [p["name"] for p in op.get("parameters", []) if p["in"] == "query"])
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


OPERATIONS = _operations(Settings(environment="test", _env_file=None))
API_OPERATIONS = [op for op in OPERATIONS if op[1].startswith("/api/v1/")]
PROBES = [op for op in OPERATIONS if not op[1].startswith("/api/v1/")]

# A plausible value for each path parameter, by the collection it names (any other: an id).
PATH_VALUES = {
    "axes": "1",
    "objectives": "1.2",
    "activities": "1.2.1",
    "indicators": "1.3.2.1",
    "organisations": "HCR",
    "locations": "ML07",
    "focus-areas": "liptako_gourma",
    "periods": "2021Q3",
    "quarterly": "2021Q2",
    "trigger-rules": "severity",
    "follow-up": "7KQ2-M9XD-P4RT-0BCA",
    "forms": "aBcDeFgHiJkLmNoPqRsTuV",
}


def concrete(path: str) -> str:
    """The path with each `{parameter}` replaced by a value of the right form (a suffix such as
    `.docx` kept)."""
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if segment.startswith("{"):
            suffix = segment.partition("}")[2]
            segments[i] = PATH_VALUES.get(segments[i - 1], "1") + suffix
    return "/".join(segments)


def assert_refused(response: Any, *names: str) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert [(e["location"], e["field"], e["code"]) for e in errors] == [
        ("query", name, "unknown_parameter") for name in names
    ]
    return errors


class TestTypos:
    @pytest.mark.parametrize(
        ("url", "typo", "meant"),
        [
            ("/api/v1/readings?update_since=2021-01-01T00:00:00Z", "update_since", "updated_since"),
            ("/api/v1/alerts?min_severty=4", "min_severty", "min_severity"),
            (
                "/api/v1/complaints?organization_concerned=HCR",
                "organization_concerned",
                "organisation_concerned",
            ),
            ("/api/v1/activities?planed_in=2021Q2", "planed_in", "planned_in"),
        ],
    )
    def test_a_typo_of_a_filter_is_a_422_naming_it_and_the_filter_meant(
        self, ocha: TestClient, url: str, typo: str, meant: str
    ) -> None:
        response = ocha.get(url)
        [error] = assert_refused(response, typo)
        assert f"did you mean `{meant}`?" in error["reason"]
        assert f"query.{typo}: unknown query parameter" in response.json()["detail"]

    def test_the_reason_lists_what_the_operation_takes(self, ocha: TestClient) -> None:
        [error] = assert_refused(ocha.get("/api/v1/periods?quarter=3"), "quarter")
        takes = "this operation takes: kind, year, updated_since, limit, cursor"
        assert error["reason"].endswith(takes)

    def test_an_operation_without_parameters_says_it_takes_none(self, ocha: TestClient) -> None:
        [error] = assert_refused(ocha.get("/api/v1/strategy?verbose=1"), "verbose")
        assert error["reason"] == "unknown query parameter; this operation takes none"

    def test_every_unknown_parameter_is_named_once(self, ocha: TestClient) -> None:
        response = ocha.get("/api/v1/readings?limit=5&foo=1&bar=2&foo=3")
        assert_refused(response, "foo", "bar")

    def test_an_empty_name_is_refused_as_empty(self, ocha: TestClient) -> None:
        assert_refused(ocha.get("/api/v1/activities?=3"), '""')


class TestKnownParameters:
    def test_known_filters_still_apply(self, ocha: TestClient) -> None:
        response = ocha.get("/api/v1/activities", params={"lead": "HCR", "limit": 2})
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 2

    def test_an_aliased_parameter_is_known_by_its_alias(self, ocha: TestClient) -> None:
        response = ocha.get("/api/v1/indicators/1.1.1.1/values?from=2021Q1&to=2021Q4")
        assert response.status_code == 200, response.text
        [error] = assert_refused(
            ocha.get("/api/v1/indicators/1.1.1.1/values?from=2021Q1&to=2021Q4&from_=1"), "from_"
        )
        assert "did you mean `from`?" in error["reason"]

    def test_a_repeated_known_parameter_takes_its_last_value_as_before(
        self, ocha: TestClient
    ) -> None:
        response = ocha.get("/api/v1/activities?limit=2&limit=3")
        assert response.status_code == 200, response.text
        assert response.json()["limit"] == 3

    def test_a_filter_declared_in_a_shared_dependency_is_known(self, ocha: TestClient) -> None:
        # `updated_since` comes from the readings' filter dependency, `limit` from pagination's.
        response = ocha.get("/api/v1/readings?updated_since=2021-01-01T00:00:00Z&limit=1")
        assert response.status_code == 200, response.text


class TestEveryOperation:
    @pytest.mark.parametrize(
        ("method", "path", "query"), API_OPERATIONS, ids=[f"{m} {p}" for m, p, _ in API_OPERATIONS]
    )
    def test_an_unknown_parameter_is_refused(
        self, client_as: Callable[..., TestClient], method: str, path: str, query: list[str]
    ) -> None:
        caller = client_as(Role.admin, "OCHA")
        response = caller.request(method, concrete(path), params={BOGUS: "1"})
        [error] = assert_refused(response, BOGUS)
        assert error["reason"].endswith(", ".join(query) if query else "takes none")

    @pytest.mark.parametrize(
        ("method", "path"),
        [("GET", "/api/v1/me"), ("GET", "/api/v1/readings"), ("POST", "/api/v1/alerts")],
    )
    def test_it_is_refused_before_credentials_are_asked_for(
        self, anon_client: TestClient, method: str, path: str
    ) -> None:
        assert_refused(anon_client.request(method, path, params={BOGUS: "1"}), BOGUS)

    @pytest.mark.parametrize("body", [b"\x00", b"{not json"], ids=["nul", "not-json"])
    def test_a_body_that_cannot_be_read_does_not_hide_them(
        self, hcr: TestClient, body: bytes
    ) -> None:
        """FastAPI reads a body before any dependency runs: its 422 names the unknown parameter
        too (the fuzzer's `POST /readings/batch?1=true` with the body NUL named the body only)."""
        response = hcr.post(
            "/api/v1/readings/batch",
            params={"1": "true"},
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        errors = [(e["location"], e["field"], e["code"]) for e in response.json()["errors"]]
        assert errors[0] == ("query", "1", "unknown_parameter")
        assert errors[1:], errors
        assert all(location == "body" for location, _, _ in errors[1:]), errors

    def test_each_route_takes_exactly_the_parameters_its_document_lists(self, app: FastAPI) -> None:
        listed = {(m, p): q for m, p, q in OPERATIONS}
        checked = 0
        for context in iter_route_contexts(app.routes):
            if context.path.startswith("/api/v1/"):
                for method in context.methods:
                    names = accepted_names(app, context.original_route)
                    assert names == tuple(listed[(method, context.path)]), context.path
                    checked += 1
        assert checked == len(API_OPERATIONS)


class TestExempt:
    """Probes and the docs take no input, and must answer for the reason they exist."""

    @pytest.mark.parametrize(("method", "path", "query"), PROBES)
    def test_probes_ignore_unknown_parameters(
        self, anon_client: TestClient, method: str, path: str, query: list[str]
    ) -> None:
        assert anon_client.request(method, path, params={BOGUS: "1"}).status_code == 200

    @pytest.mark.parametrize("page", ["/docs", "/redoc", "/openapi.json"])
    def test_the_docs_ignore_unknown_parameters(self, anon_client: TestClient, page: str) -> None:
        assert anon_client.get(page, params={"v": "2"}).status_code == 200


class Filters(BaseModel):
    colour: str | None = None
    size: int | None = None


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    colour: str | None = None


def _model_app() -> FastAPI:
    router = APIRouter(dependencies=[Depends(refuse_unknown_query_parameters)])

    def paged(page: Annotated[int, Query(alias="p")] = 1) -> int:
        return page

    @router.get("/things")
    def things(filters: Annotated[Filters, Query()], page: Annotated[int, Depends(paged)]) -> dict:
        return {"filters": filters.model_dump(), "page": page}

    @router.get("/open")
    def open_filters(filters: Annotated[Open, Query()]) -> dict:
        return filters.model_dump()

    app = FastAPI()
    install_handlers(app)
    app.include_router(router)
    return app


class TestQueryModels:
    def test_the_fields_of_a_query_model_are_known(self) -> None:
        with TestClient(_model_app()) as client:
            response = client.get("/things?colour=red&size=2&p=3")
            assert response.status_code == 200, response.text
            assert response.json() == {"filters": {"colour": "red", "size": 2}, "page": 3}
            [error] = assert_refused(client.get("/things?color=red"), "color")
            assert re.search(r"did you mean `colour`\?.*takes: colour, size, p$", error["reason"])

    def test_a_query_model_allowing_extra_fields_takes_any_name(self) -> None:
        with TestClient(_model_app()) as client:
            response = client.get("/open?colour=red&shade=dark")
            assert response.status_code == 200, response.text
            assert response.json() == {"colour": "red", "shade": "dark"}
