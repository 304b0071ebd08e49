"""Every error is an RFC 9457 problem document, and the OpenAPI document says so."""

import sqlite3
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

PROBLEM = "application/problem+json"


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == "/api/v1/nothing-here"


def test_wrong_method_is_a_405_problem_naming_the_allowed_ones(client: TestClient) -> None:
    response = client.delete("/api/v1/activities")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "GET" in response.json()["detail"]


def test_invalid_query_lists_each_field_with_location_and_reason(client: TestClient) -> None:
    response = client.get("/api/v1/activities", params={"limit": 0, "liptako_gourma": "maybe"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"limit", "liptako_gourma"}
    assert errors["limit"]["location"] == "query"
    assert "greater than or equal to 1" in errors["limit"]["reason"]
    assert errors["liptako_gourma"]["code"] == "bool_parsing"


class TestUnreadableJsonBody:
    """Found by schema fuzzing: these were undocumented 400s, unlike any other invalid body."""

    def test_bytes_that_are_not_utf8_are_a_422_problem(self, hcr: TestClient) -> None:
        response = hcr.post(
            "/api/v1/alerts",
            content=b'{"narrative": "caf\xe9"}',  # Latin-1, not UTF-8
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        [error] = response.json()["errors"]
        assert error == {
            "location": "body",
            "field": "body",
            "reason": "the body is not JSON in UTF-8",
            "code": "json_invalid",
        }

    def test_nesting_too_deep_to_parse_is_a_422_problem(self, hcr: TestClient) -> None:
        response = hcr.post(
            "/api/v1/alerts",
            content=b"[" * 100_000,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "json_invalid"


def test_unexpected_error_is_a_500_problem_without_internals(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret table name and a stack trace")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret" not in response.text
    assert response.json()["request_id"] == "req-123"


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-1"}).headers["X-Request-ID"] == "abc-1"
    )
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/api/v1/strategy").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


class TestOpenAPI:
    def test_error_responses_are_documented_as_problem_json(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        for path, item in document["paths"].items():
            for method, operation in item.items():
                for status, response in operation["responses"].items():
                    if int(status) >= 400:
                        assert list(response["content"]) == [PROBLEM], (path, method, status)
        assert "HTTPValidationError" not in document["components"]["schemas"]

    def test_operation_ids_are_unique_handler_names(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
        assert len(ids) == len(set(ids))
        assert "list_activities" in ids
        assert "get_indicator" in ids

    def test_every_operation_has_a_summary_and_a_tag(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        for item in document["paths"].values():
            for operation in item.values():
                assert operation.get("summary") or operation.get("description")
                assert operation["tags"]


class TestDatabaseUnavailable:
    """A database that is down, restarting or out of connections is a 503 problem that says when to
    retry, never a 500; other database errors stay 500s."""

    @staticmethod
    def raising(app: FastAPI, exc: Exception) -> TestClient:
        @app.get("/database")
        def database() -> None:
            raise exc

        return TestClient(app, raise_server_exceptions=False)

    @pytest.mark.parametrize(
        "exc",
        [
            OperationalError("SELECT 1", {}, Exception("connection refused")),
            InterfaceError("SELECT 1", {}, Exception("closed"), connection_invalidated=True),
            DBAPIError("SELECT 1", {}, Exception("closed"), connection_invalidated=True),
            PoolTimeoutError("QueuePool limit reached"),
        ],
        ids=["operational", "interface-invalidated", "dbapi-invalidated", "pool-timeout"],
    )
    def test_is_a_503_problem(self, app: FastAPI, exc: Exception) -> None:
        with self.raising(app, exc) as client:
            response = client.get("/database")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["retry-after"] == "2"
        assert response.json()["type"] == "/problems/service-unavailable"

    def test_a_sqlite_lock_wait_that_runs_out_says_the_database_is_busy(self, app: FastAPI) -> None:
        locked = sqlite3.OperationalError("database is locked")
        locked.sqlite_errorcode = 5  # type: ignore[attr-defined]  # SQLITE_BUSY
        with self.raising(app, OperationalError("BEGIN IMMEDIATE", {}, locked)) as client:
            response = client.get("/database")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "2"
        assert response.json()["type"] == "/problems/service-unavailable"
        assert "busy with other writes" in response.json()["detail"]

    def test_a_failed_commit_is_a_503_not_a_2xx(self, app: FastAPI) -> None:
        def failing_commit() -> Iterator[None]:
            yield None
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

        @app.post("/commit")
        def commit(_: Annotated[None, Depends(failing_commit, scope="function")]) -> dict[str, str]:
            return {"status": "written"}

        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.post("/commit")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM

    def test_other_database_errors_stay_500(self, app: FastAPI) -> None:
        exc = ProgrammingError("SELECT nope", {}, Exception("syntax error"))
        with self.raising(app, exc) as client:
            response = client.get("/database")
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM
        assert "nope" not in response.text


def test_a_trailing_slash_is_a_404_problem_not_a_redirect_to_another_resource(
    client: TestClient,
) -> None:
    # Found by the long schema fuzzing run: an empty code made `/organisations/{code}` the
    # list, through Starlette's slash redirect, for GET (a list where one record was documented)
    # and for PATCH (a 405 the operation does not document).
    for method in ("GET", "PATCH"):
        response = client.request(method, "/api/v1/organisations/", follow_redirects=False)
        assert response.status_code == 404, (method, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/organisations").status_code == 200
