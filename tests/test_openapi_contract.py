"""The OpenAPI document as generators read it: names that make classes, shared and named enums,
typed bodies and problems, the media types of downloads, the headers, servers, and CORS exposing
every header the document names. tests/e2e/test_generated_client.py generates a client from it;
the permission of each operation is checked against docs/access.md in test_permissions.py."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ehp_api.core.config import Settings
from ehp_api.main import create_app

ORIGIN = "https://front.example.org"
# What CORS lets a script read without being told (the Fetch standard's safelisted headers).
SAFELISTED = {
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document["paths"].values():
        yield from item.values()


def _refs(schema: dict[str, Any]) -> set[str]:
    return {node["$ref"].rsplit("/", 1)[1] for _, node in _walk(schema) if "$ref" in node}


def test_every_schema_name_is_a_class_name(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert [name for name in schemas if not (name.isalnum() and name[0].isupper())] == []
    pages = {name for name in schemas if name.endswith("Page")}
    assert {"ActivityPage", "AlertPage", "ReadingPage"} <= pages
    assert {"AlertTransitionIn", "ComplaintTransitionIn", "TokenRequest"} <= set(schemas)
    assert not [name for name in schemas if name.startswith("Body")]


def test_enums_whose_values_are_not_identifiers_name_them(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    enums = {name: s for name, s in schemas.items() if "enum" in s}
    unnamed = [
        name
        for name, schema in enums.items()
        if not all(str(v).isidentifier() for v in schema["enum"])
        and "x-enum-varnames" not in schema
    ]
    assert unnamed == []
    age = schemas["AgeGroup"]
    assert dict(zip(age["x-enum-varnames"], age["enum"], strict=True)) == {
        "child": "0-17", "adult": "18-59", "older": "60+",
    }  # fmt: skip
    assert "workplan_read" in schemas["Permission"]["x-enum-varnames"]


def test_no_set_of_values_is_declared_twice(document: dict[str, Any]) -> None:
    declared = Counter(
        tuple(node["enum"])
        for path, node in _walk(document)
        if "enum" in node and "/headers/" not in path
    )
    assert [values for values, times in declared.items() if times > 1] == []


def test_enumerated_fields_are_typed_as_their_enum(document: dict[str, Any]) -> None:
    for path, node in _walk(document):
        properties = node.get("properties", {})
        if "measure" in properties:
            assert _refs(properties["measure"]) == {"MeasureType"}, path
        if node.get("in") == "query" and node.get("name") == "zone":
            assert _refs(node["schema"]) == {"Zone"}, path
    schemas = document["components"]["schemas"]
    assert _refs(schemas["ComplaintPublic"]["properties"]["zone"]) == {"Zone"}
    for shape in ("DashboardAxis", "DashboardObjective", "DashboardActivity"):
        assert _refs(schemas[shape]["properties"]["status"]) == {"ReportingStatus"}
    assert _refs(schemas["ImportSummary"]["properties"]["mode"]) == {"BatchMode"}


def test_the_batch_body_and_its_refusal_are_typed(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/v1/readings/batch"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ReadingBatch"}
    batch = document["components"]["schemas"]["ReadingBatch"]
    assert batch["required"] == ["readings"]
    assert batch["additionalProperties"] is False
    readings = batch["properties"]["readings"]
    assert (readings["items"], readings["maxItems"]) == (
        {"$ref": "#/components/schemas/ReadingIn"}, 10_000,
    )  # fmt: skip
    for status in ("409", "422"):
        content = operation["responses"][status]["content"]
        assert content == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/BatchProblem"}}
        }
    problem = document["components"]["schemas"]["BatchProblem"]
    assert _refs(problem["properties"]["summary"]) == {"ImportSummary"}
    assert {"type", "title", "status", "detail"} <= set(problem["required"])


def test_csv_is_text_and_xlsx_bytes(document: dict[str, Any]) -> None:
    media: dict[str, dict[str, Any]] = {}
    for operation in _operations(document):
        for type_, content in operation["responses"].get("200", {}).get("content", {}).items():
            media[f"{operation['operationId']} {type_}"] = content["schema"]
    downloads = {key: schema for key, schema in media.items() if "json" not in key}
    assert len(downloads) == 6  # readings, template (CSV, XLSX), workplan, the note
    for key, schema in downloads.items():
        if " text/" in key:
            assert schema == {"type": "string"}, key
        else:
            assert schema == {"type": "string", "format": "binary"}, key


def test_headers_are_documented(document: dict[str, Any]) -> None:
    for operation in _operations(document):
        for status, response in operation["responses"].items():
            headers = response["headers"]
            assert "X-Request-ID" in headers, (operation["operationId"], status)
            assert ("Retry-After" in headers) == (status in ("429", "503")), status
            if response.get("content", {}).keys() - {"application/json"} and status == "200":
                assert "Content-Disposition" in headers, operation["operationId"]
    replay = document["paths"]["/api/v1/readings/batch"]["post"]["responses"]["200"]["headers"]
    assert "Idempotent-Replayed" in replay


def test_the_document_names_its_server(document: dict[str, Any]) -> None:
    assert [server["url"] for server in document["servers"]] == ["/"]


def test_cors_exposes_every_header_the_document_names(document: dict[str, Any]) -> None:
    named = {
        header.lower()
        for operation in _operations(document)
        for response in operation["responses"].values()
        for header in response.get("headers", {})
    }
    app: FastAPI = create_app(Settings(cors_origins=[ORIGIN]))
    with TestClient(app) as client:
        answer = client.get("/healthz", headers={"Origin": ORIGIN})
    exposed = {
        h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")
    }
    assert named - SAFELISTED <= exposed
    assert {"retry-after", "content-disposition", "etag", "x-request-id"} <= exposed


def test_cors_lets_a_browser_send_every_header_the_document_takes(
    document: dict[str, Any],
) -> None:
    taken = sorted(
        {
            parameter["name"].lower()
            for operation in _operations(document)
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header"
        }
        | {"authorization", "content-type"}
    )
    assert {"if-match", "if-none-match", "idempotency-key"} <= set(taken)
    app: FastAPI = create_app(Settings(cors_origins=[ORIGIN]))
    with TestClient(app) as client:
        preflight = client.options(
            "/api/v1/readings/batch",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": ", ".join(taken),
            },
        )
    assert preflight.status_code == 200, preflight.text
