"""The OpenAPI document as client teams need it: problem+json errors, stable operation ids."""

import json
from copy import deepcopy
from http import HTTPStatus
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from ehp_api.core.errors import PROBLEM_MEDIA_TYPE
from ehp_api.web import openapi_access as access
from ehp_api.web.body_limits import LARGER_BODIES
from ehp_api.web.idempotency import REPLAYED_HEADER, REPLAYED_HELP
from ehp_api.web.idempotency_keys import KEY_HEADER
from ehp_api.web.reference import answer, list_answer
from ehp_api.web.validators import REVALIDATE

DESCRIPTION = """
System of record for the protection strategy of Mali's Humanitarian Country Team (EHP):
the 2020-2022 work plan (axes, objectives, activities, indicators) and the records that measure it.

* Every list is paginated the same way: `limit` (default 50, at most 500) and `cursor`; a page is
  `{"items": [...], "limit": 50, "next_cursor": "..."}`; follow `next_cursor` until it is null.
* Every error is an RFC 9457 problem document (`application/problem+json`) with `type`, `title`,
  `status`, `detail` and, for invalid input, `errors`: one entry per field with its `location`,
  `field`, `reason` and `code`.
* A query parameter that an operation does not list is refused (422, code `unknown_parameter`),
  never ignored: a misspelt filter does not return the unfiltered list.
* Codes are used in paths: `/api/v1/indicators/1.3.2.1`, `/api/v1/locations/ML07`,
  `/api/v1/periods/2021Q3`.
"""


# Swagger UI's and ReDoc's files (fastapi-offline), under a path naming the package's version, so
# that they may be cached for good: an upgrade changes the path.
DOCS_ASSETS_URL = f"/static-offline-docs/{version('fastapi-offline')}"
# ReDoc's bundle, served by the app without the logo it would fetch from Redocly (docs_pages.py).
REDOC_ASSETS_URL = f"/docs-assets/{version('fastapi-offline')}"


# Where the paths start: the host that serves this document (a generated client takes its base
# URL, e.g. `https://ehp.example.org`, when it is made).
SERVERS = [{"url": "/", "description": "The host that serves this document."}]
REQUEST_ID_HELP = "The request's id (the client's `X-Request-ID`, or a new one); quote it."
RETRY_AFTER_HELP = "Seconds to wait before trying again."
DISPOSITION_HELP = '`attachment; filename="..."`: the file\'s suggested name.'
# The response headers a browser's script may read (CORS): every header the document names
# but those CORS always exposes (`Cache-Control`, `Content-Type`...); a test keeps them in step.
EXPOSED_HEADERS = [
    "X-Request-ID",
    "Idempotent-Replayed",
    "Retry-After",
    "ETag",
    "Content-Disposition",
    "X-Server-Time",
]
# The request headers a browser's script may send (CORS): every header parameter the document
# names, the credentials and the body's type among them; a test keeps them in step.
ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "X-Request-ID",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "Accept-Language",
]
# FastAPI names a form body `Body_<operation>`: the names a generated client's classes take.
BODY_NAMES = {
    "Body_create_token": "TokenRequest",
    "Body_import_readings_file": "ReadingsFileUpload",
}
# The models of bodies an operation reads itself (`typed_body`), added to the components.
_BODY_MODELS: dict[str, type[BaseModel]] = {}


def typed_body(model: type[BaseModel]) -> dict[str, Any]:
    """The `openapi_extra` of an operation that parses its JSON body itself (to report each
    row's refusal rather than refuse the request): the body is documented as `model`."""
    _BODY_MODELS[model.__name__] = model
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def download(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of a file download: text (CSV) is a string, anything else (XLSX) bytes."""
    schema = {"type": "string"}
    if not media_type.startswith("text/"):
        schema["format"] = "binary"
    disposition = {"description": DISPOSITION_HELP, "schema": {"type": "string"}}
    return {
        200: {
            "description": what,
            "content": {media_type: {"schema": schema}},
            "headers": {"Content-Disposition": disposition},
        }
    }


def operation_id(route: APIRoute) -> str:
    """The handler's name (`list_activities`): clean method names in generated clients."""
    return route.name


def _problem_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": schema}}


def _errors_as_problems(document: dict[str, Any]) -> None:
    """Every error is a problem document: a `Problem`, or the richer problem an operation
    declares (a refused batch's `BatchProblem`)."""
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    declared = response.get("content", {}).get("application/json", {})
                    schema = declared.get("schema", problem_ref)
                    response["content"] = _problem_content(schema)
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _body_limits(document: dict[str, Any]) -> None:
    """Every operation that takes a body may answer 413: each has its limit (`body_limits`)."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not operation.get("requestBody", {}).get("content"):
                continue
            larger = LARGER_BODIES.get(operation.get("operationId", ""), "max_body_bytes")
            setting = f"EHP_{larger.upper()}"
            description = f"{HTTPStatus(413).phrase}: the body is larger than {setting}"
            operation["responses"]["413"] = {"description": description}


def _idempotency(document: dict[str, Any]) -> None:
    """An operation taking an `Idempotency-Key` may answer a retry with a stored answer, marked
    by a header, or with a 409 while the first request runs."""
    replayed = {"description": REPLAYED_HELP, "schema": {"type": "string", "enum": ["true"]}}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            parameters = operation.get("parameters", [])
            if not any(p["in"] == "header" and p["name"] == KEY_HEADER for p in parameters):
                continue
            responses = operation["responses"]
            responses.setdefault("409", {"description": HTTPStatus(409).phrase})
            for status, response in responses.items():
                if status.startswith("2") or status == "409":
                    response.setdefault("headers", {})[REPLAYED_HEADER] = replayed


def _reference_operations(routes: list[Any]) -> set[str]:
    """The operations answered from the reference snapshot: those that take its `answer`."""
    return {
        name
        for name, dependant in access.operations(routes)
        if {answer, list_answer} & set(access.calls(dependant))
    }


ETAG_HELP = (
    "A strong tag of the answer's bytes (`-gzip` added for the gzipped bytes). Send it back in "
    "`If-None-Match`: while the reference data are unchanged, the answer is a 304 without a body."
)
_CACHE_CONTROL_HELP = f"`{REVALIDATE}`: the answer may be kept, and asked for again with its ETag."


def _etags(document: dict[str, Any], operations: set[str]) -> None:
    """The reference operations' `ETag`, `If-None-Match` and 304 (`ehp_api.web.reference`)."""
    string = {"type": "string"}
    headers = {
        "ETag": {"description": ETAG_HELP, "schema": string},
        "Cache-Control": {"description": _CACHE_CONTROL_HELP, "schema": string},
    }
    if_none_match = {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "ETags of answers already held (a weak comparison, as RFC 9110 asks).",
        "schema": string,
    }
    not_modified = {
        "description": f"{HTTPStatus(304).phrase}: `If-None-Match` named this answer's ETag; "
        "no body.",
        "headers": headers,
    }
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if operation.get("operationId") in operations:
                operation["responses"]["200"].setdefault("headers", {}).update(deepcopy(headers))
                operation["responses"]["304"] = deepcopy(not_modified)
            # The records' own 304 (`web.validators.CACHEABLE`) asks for the same header.
            if "304" in operation.get("responses", {}):
                operation.setdefault("parameters", []).append(deepcopy(if_none_match))


# OpenAPI links, where a record's answer leads: (operation, status) -> {linked operation: (its path
# parameter, the value)}. Client teams and the stateful schema fuzzing (tests/fuzz) follow them.
# Schemathesis infers the others from ids in the schemas (alerts, readings, users...) by itself.
_LINKS: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("create_complaint", "201"): {
        "transition_complaint": ("complaint_id", "$response.body#/id"),
        "get_complaint_timeline": ("complaint_id", "$response.body#/id"),
    },
    ("create_organisation", "201"): {
        "get_organisation": ("code", "$response.body#/code"),
        "update_organisation": ("code", "$response.body#/code"),
    },
    ("create_trigger_rule", "201"): {"update_trigger_rule": ("code", "$response.body#/code")},
    ("lock_period", "200"): {"unlock_period": ("code", "$response.body#/code")},
}


def _add_links(document: dict[str, Any]) -> None:
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                targets = _LINKS.get((operation.get("operationId", ""), status), {})
                for target, (parameter, value) in targets.items():
                    response.setdefault("links", {})[target] = {
                        "operationId": target,
                        "parameters": {parameter: value},
                    }


def _headers(document: dict[str, Any]) -> None:
    """The headers every answer carries (`X-Request-ID`), and `Retry-After` on the refusals
    that come with it (429 of the rate limits, 503 of a full or unreachable service)."""
    string = {"type": "string"}
    request_id = {"description": REQUEST_ID_HELP, "schema": string}
    retry_after = {"description": RETRY_AFTER_HELP, "schema": {"type": "integer"}}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                headers["X-Request-ID"] = deepcopy(request_id)
                if status in ("429", "503"):
                    headers["Retry-After"] = deepcopy(retry_after)


def _rename_schemas(document: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    schemas = document.get("components", {}).get("schemas", {})
    for old, new in names.items():
        if old in schemas:
            schemas[new] = schemas.pop(old)
            schemas[new]["title"] = new
    text = json.dumps(document)
    for old, new in names.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed: dict[str, Any] = json.loads(text)
    return renamed


def _titled(document: dict[str, Any]) -> dict[str, str]:
    """Generic models (`Page[ActivityPublic]`) under the name their title gives (`ActivityPage`),
    not pydantic's (`Page_ActivityPublic_`)."""
    schemas = document.get("components", {}).get("schemas", {})
    return {
        name: schema["title"]
        for name, schema in schemas.items()
        if not name.isalnum() and str(schema.get("title", "")).isalnum()
    }


def _body_models(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, model in _BODY_MODELS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for nested, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(nested, definition)
        schemas[name] = schema
    # FastAPI merges `openapi_extra` into the schema of the body it sees (a dict): keep the ref.
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            ref = schema.get("$ref", "")
            if ref.rsplit("/", 1)[-1] in _BODY_MODELS:
                content["application/json"]["schema"] = {"$ref": ref}


def install_openapi(app: FastAPI) -> None:
    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=SERVERS,
            )
            document = _rename_schemas(document, {**BODY_NAMES, **_titled(document)})
            _body_models(document)
            access.document_permissions(document, app.routes)
            _body_limits(document)
            _idempotency(document)
            _errors_as_problems(document)
            _add_links(document)
            _etags(document, _reference_operations(app.routes))
            _headers(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]  # FastAPI's documented override
