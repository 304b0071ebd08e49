"""One error family and the one handler that renders RFC 9457 problem+json."""

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ehp_api.core.i18n import N_, Language, current_language, tr, translate
from ehp_api.core.request_context import request_id_var
from ehp_api.core.validation_messages import TEMPLATES

logger = logging.getLogger("ehp_api.core.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class InvalidParam(BaseModel):
    """One invalid field of a request."""

    location: str = Field(description="Where the field is: `body`, `query`, `path` or `header`.")
    field: str = Field(description="Dotted path of the field inside its location.")
    reason: str = Field(description="Why the value was refused, in plain words.")
    code: str = Field(description="Stable machine-readable reason, e.g. `missing`, `int_parsing`.")


class Problem(BaseModel):
    """An RFC 9457 problem document: every error this API returns has this shape. Some problems
    carry extension members, e.g. a refused batch's `summary`."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI reference naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="HTTP status code.")
    detail: str = Field(description="What went wrong with this request, and how to fix it.")
    instance: str | None = Field(None, description="The request path.")
    request_id: str | None = Field(None, description="The `X-Request-ID` of the request.")
    errors: list[InvalidParam] | None = Field(None, description="Invalid fields, when any.")


class AppError(Exception):
    """Base of the domain errors raised by services; the handler turns it into a problem."""

    status_code = 400
    slug = "bad-request"

    def __init__(
        self, detail: str, *, errors: list[InvalidParam] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(AppError):
    status_code = 404
    slug = "not-found"


class Conflict(AppError):
    status_code = 409
    slug = "conflict"


class PreconditionFailed(AppError):
    status_code = 412
    slug = "precondition-failed"


class Forbidden(AppError):
    status_code = 403
    slug = "forbidden"


class Unauthorized(AppError):
    status_code = 401
    slug = "unauthorized"


class InvalidInput(AppError):
    status_code = 422
    slug = "validation-error"


class PayloadTooLarge(AppError):
    status_code = 413
    slug = "payload-too-large"


class RequestTimeout(AppError):
    status_code = 408
    slug = "request-timeout"


class UnsupportedMediaType(AppError):
    status_code = 415
    slug = "unsupported-media-type"


def too_large(limit: int, setting: str, field: str, advice: str) -> PayloadTooLarge:
    """The refusal of a body or file over its limit (`setting`), one wording for every path."""
    size = tr("{count:,} bytes", count=limit)
    if limit % 2**20 == 0:
        size = tr("{count} MB", count=limit // 2**20)
    elif limit % 2**10 == 0:
        size = tr("{count} KB", count=limit // 2**10)
    reason = tr(
        "larger than {size} (the service's {setting}); {advice}",
        size=size,
        setting=setting,
        advice=tr(advice),
    )
    param = InvalidParam(location="body", field=field, reason=reason, code="too_large")
    if field == "file":
        return PayloadTooLarge(tr("The file is {reason}.", reason=reason), errors=[param])
    return PayloadTooLarge(tr("The request body is {reason}.", reason=reason), errors=[param])


class ServiceUnavailable(AppError):
    status_code = 503
    slug = "service-unavailable"


# Titles of the problems, as the HTTP phrases; translated when a problem is rendered.
_TITLES = {
    400: N_("Bad Request"),
    401: N_("Unauthorized"),
    403: N_("Forbidden"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    406: N_("Not Acceptable"),
    408: N_("Request Timeout"),
    409: N_("Conflict"),
    412: N_("Precondition Failed"),
    413: N_("Request Entity Too Large"),
    415: N_("Unsupported Media Type"),
    422: N_("Unprocessable Entity"),
    429: N_("Too Many Requests"),
    500: N_("Internal Server Error"),
    503: N_("Service Unavailable"),
}

_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "request-timeout",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    500: "internal-error",
    503: "service-unavailable",
}


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[InvalidParam] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Render one problem document, in the request's language; every error path of the app ends
    here."""
    language = current_language()
    title = _TITLES.get(status)
    problem = Problem(
        type=f"/problems/{slug or _SLUGS.get(status, 'error')}",
        title=translate(title, language) if title else HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id_var.get(),
        errors=errors,
    )
    body = problem.model_dump(exclude_none=True) | (extra or {})
    response = JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )
    response.headers["Content-Language"] = language.value
    response.headers.add_vary_header("Accept-Language")
    return response


def field_name(parts: Any) -> str:
    """A field's dotted path as errors name it; an empty key is written `""`, so that the name
    still says which field it is."""
    return ".".join(str(part) or '""' for part in parts)


def _field_path(loc: tuple[Any, ...]) -> tuple[str, str]:
    location = str(loc[0]) if loc else "body"
    return location, field_name(loc[1:]) or location


def validation_reason(error: Mapping[str, Any], language: Language) -> str:
    """A pydantic error's reason in `language`: English as pydantic wrote it, French from the
    translation of its type's template, filled from its context."""
    english = str(error.get("msg", "invalid value"))
    template = TEMPLATES.get(error.get("type", ""))
    if language == Language.en or template is None:
        return english
    context = dict(error.get("ctx") or {})
    if isinstance(context.get("expected"), str):  # pydantic's list of choices: 'a', 'b' or 'c'
        context["expected"] = context["expected"].replace("' or '", "' ou '")
    try:
        return translate(template, language).format_map(context)
    except (KeyError, IndexError, ValueError):  # a context this pydantic version does not give
        return english


def _validation_errors(exc: RequestValidationError) -> list[InvalidParam]:
    params = []
    language = current_language()
    for error in exc.errors():
        location, field = _field_path(tuple(error.get("loc", ())))
        reason = validation_reason(error, language)
        if error.get("type") == "model_attributes_type" and location == "body":
            reason += tr("; send the body as JSON with the header Content-Type: application/json")
        params.append(
            InvalidParam(location=location, field=field, reason=reason, code=error["type"])
        )
    return params


def app_error_response(request: Request, exc: AppError) -> JSONResponse:
    """The problem document of a domain error; also for refusals a handler returns, not raises."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
    if "retry_after" in exc.extra:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    return problem_response(
        request,
        exc.status_code,
        exc.detail,
        slug=exc.slug,
        errors=exc.errors,
        headers=headers,
        extra=exc.extra,
    )


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return app_error_response(request, exc)


def request_faults(request: Request) -> list[InvalidParam]:
    """Faults of the request found apart from its body (the web wing's unknown query parameters,
    set on `app.state.request_faults`): FastAPI reads the body before any dependency runs, so a
    422 about the body lists them too, and one answer names every fault of the request."""
    finders: Sequence[Callable[[Request], list[InvalidParam]]] = getattr(
        request.app.state, "request_faults", ()
    )
    return [error for find in finders for error in find(request)]


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _invalid_request(request, [*request_faults(request), *_validation_errors(exc)])


def _invalid_request(request: Request, errors: list[InvalidParam]) -> JSONResponse:
    summary = "; ".join(f"{e.location}.{e.field}: {e.reason}" for e in errors[:5])
    detail = tr("The request is invalid: {summary}", summary=summary)
    return problem_response(request, 422, detail, errors=errors)


def _unreadable_json_body(request: Request, exc: StarletteHTTPException) -> JSONResponse | None:
    # FastAPI answers a JSON body it cannot even decode (bytes that are not UTF-8, nesting too
    # deep for the parser) with a bare 400, and a body that is not JSON with a 422 `json_invalid`:
    # one answer for both, the documented 422.
    if exc.status_code != 400 or not isinstance(exc.__cause__, UnicodeDecodeError | RecursionError):
        return None
    reason = tr("the body is not JSON in UTF-8")
    error = InvalidParam(location="body", field="body", reason=reason, code="json_invalid")
    return _invalid_request(request, [*request_faults(request), error])


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if unreadable := _unreadable_json_body(request, exc):
        return unreadable
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = tr("No resource at {path}.", path=request.url.path)
    elif exc.status_code == 405 and exc.headers and "Allow" in exc.headers:
        detail = tr(
            "{method} is not allowed here; allowed: {allowed}.",
            method=request.method,
            allowed=exc.headers["Allow"],
        )
    elif detail == HTTPStatus(exc.status_code).phrase and exc.status_code in _TITLES:
        detail = tr(_TITLES[exc.status_code])
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


SQLITE_BUSY = 5


def _sqlite_busy(exc: Exception) -> bool:
    """SQLite's lock wait ran out (EHP_SQLITE_BUSY_TIMEOUT_MS): other writes held the lock."""
    code = getattr(getattr(exc, "orig", None), "sqlite_errorcode", None)
    return code is not None and code & 0xFF == SQLITE_BUSY


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if _sqlite_busy(exc):
        logger.warning("database busy: a lock wait exceeded EHP_SQLITE_BUSY_TIMEOUT_MS")
        detail = tr("The database is busy with other writes; retry in a few seconds.")
    else:
        logger.warning("database unavailable: %s", type(exc).__name__)
        detail = tr("The database is unavailable; retry in a few seconds.")
    return problem_response(request, 503, detail, headers={"Retry-After": "2"})


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A driver error of another class is still an unavailable database when SQLAlchemy found that
    it broke the connection (an `InterfaceError` on a closed connection, say); anything else is a
    bug, left to become a logged 500."""
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated:
        return await _database_unavailable(request, exc)
    raise exc


PG_UNIQUE_VIOLATION = "23505"
SQLITE_UNIQUE_CODES = frozenset({1555, 2067})  # SQLITE_CONSTRAINT_PRIMARYKEY, _UNIQUE
_PG_KEY = re.compile(r"Key \((?P<columns>.+?)\)=")


def unique_columns(exc: IntegrityError) -> list[str] | None:
    """The columns of the unique key a write collided with, or None if it is another integrity
    error. Only the names: the key's values may be personal data and never reach the answer."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == PG_UNIQUE_VIOLATION:
        detail = getattr(getattr(orig, "diag", None), "message_detail", None) or ""
        found = _PG_KEY.match(detail)
        return [c.strip() for c in found["columns"].split(",")] if found else []
    if getattr(orig, "sqlite_errorcode", None) in SQLITE_UNIQUE_CODES:
        # "UNIQUE constraint failed: trigger_rules.code, trigger_rules.version"
        named = str(orig).partition(":")[2]
        return [c.strip().rpartition(".")[2] for c in named.split(",") if c.strip()]
    return None


def _api_field(column: str) -> str:
    # The API names the record a foreign key refers to (`organisation`), not its id column.
    return column.removesuffix("_id") or column


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """A unique key taken by a concurrent request (two creations of one record that both found
    none) is a 409 naming the key's fields, on both databases; other integrity errors are bugs."""
    assert isinstance(exc, IntegrityError)
    columns = unique_columns(exc)
    if columns is None:
        return await _database_error(request, exc)
    fields = [_api_field(c) for c in columns] or ["body"]
    reason = tr("already taken: another request created this record first; read it and change it")
    errors = [
        InvalidParam(location="body", field=f, reason=reason, code="already_exists") for f in fields
    ]
    detail = tr(
        "A record with the same {fields} exists already; read it and change it.",
        fields=", ".join(fields),
    )
    return problem_response(request, 409, detail, errors=errors)


def install_handlers(app: FastAPI) -> None:
    """Register the handlers so that no error leaves the app in another shape."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(IntegrityError, _integrity_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries declaring that these statuses answer with a problem document."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
        }
        for status in statuses
    }
