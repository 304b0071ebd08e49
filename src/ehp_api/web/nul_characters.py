"""Refuse the NUL character in paths, queries and bodies with a 422 naming where it is.

PostgreSQL cannot store it in text (the driver raises, which would be a 500) and spreadsheets
cannot show it; no field of this API has a use for it. Checked once here, for every route,
rather than on each of the models and parameters that reach the database.
"""

import json
from typing import Any
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ehp_api.core.errors import (
    AppError,
    InvalidInput,
    InvalidParam,
    UnsupportedMediaType,
    app_error_response,
)
from ehp_api.core.i18n import N_, tr

FORM = "application/x-www-form-urlencoded"
MULTIPART_FORM = "multipart/form-data"
NOT_UTF8 = N_("is not in UTF-8, the only encoding of JSON bodies")
REASON = N_("holds a NUL character (\\u0000, %00), which no field accepts")


class RefuseNulCharacters:
    """Paths and query strings, checked as they come (bodies: `body_refusal`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _in_url(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        await app_error_response(Request(scope), _refusal(*found))(scope, receive, send)


def checked(content_type: str) -> bool:
    """Whether a body of this type is read whole and checked before its operation sees it."""
    media_type = content_type.split(";")[0].strip().lower()
    json_type = media_type == "application/json" or media_type.endswith("+json")
    return json_type or media_type in (FORM, MULTIPART_FORM)


def body_refusal(content_type: str, body: bytes) -> AppError | None:
    """The refusal of a checked body: a NUL character in a field, or JSON not in UTF-8 (in
    UTF-16 or UTF-32 a NUL would not be seen, and RFC 8259 has JSON exchanged in UTF-8)."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == FORM:
        found = _in_form(body)
    elif media_type == MULTIPART_FORM:
        found = _in_multipart(content_type, body)
    elif not _utf8_json(content_type, body):
        return UnsupportedMediaType(
            tr("A JSON body is UTF-8 (RFC 8259); send it in UTF-8."),
            errors=[
                InvalidParam(location="body", field="body", reason=tr(NOT_UTF8), code="encoding")
            ],
        )
    else:
        found = _in_json(body)
    return None if found is None else _refusal(*found)


def _refusal(location: str, field: str) -> AppError:
    reason = tr(REASON)
    param = InvalidParam(location=location, field=field, reason=reason, code="nul_character")
    return InvalidInput(f"{location}.{field} {reason}.", errors=[param])


def _utf8_json(content_type: str, body: bytes) -> bool:
    charset = parse_options_header(content_type)[1].get(b"charset", b"utf-8").lower()
    if charset not in (b"utf-8", b"utf8"):
        return False
    return not body or json.detect_encoding(body) in ("utf-8", "utf-8-sig")


def _in_url(scope: Scope) -> tuple[str, str] | None:
    if "\x00" in scope["path"]:
        return "path", scope["path"].replace("\x00", "%00")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return "query", name.replace("\x00", "%00")
    return None


def _in_form(body: bytes) -> tuple[str, str] | None:
    for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return "body", name.replace("\x00", "%00")
    return None


def _in_multipart(content_type: str, body: bytes) -> tuple[str, str] | None:
    """A NUL in a form field sent as multipart; a file's content may hold any byte."""
    if b"\x00" not in body:
        return None
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        return None  # the operation answers that the form is malformed
    fields: list[tuple[bytes, bytes]] = []
    try:
        parser = MultipartParser(boundary, _field_collector(fields))
        parser.write(body)
        parser.finalize()
    except FormParserError:
        return None
    for name, value in fields:
        if b"\x00" in name or b"\x00" in value:
            return "body", name.decode("utf-8", "replace").replace("\x00", "%00")
    return None


def _field_collector(fields: list[tuple[bytes, bytes]]) -> Any:
    """Parser callbacks collecting the (name, value) of the parts that are not files."""
    part: dict[str, bytes] = {}

    def on_part_begin() -> None:
        part.clear()
        part["value"] = b""

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part["header"] = data[start:end].lower()

    def on_header_value(data: bytes, start: int, end: int) -> None:
        if part.get("header") == b"content-disposition":
            part["disposition"] = data[start:end]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part["value"] += data[start:end]

    def on_part_end() -> None:
        options = parse_options_header(part.get("disposition", b""))[1]
        if b"filename" not in options:
            fields.append((options.get(b"name", b""), part["value"]))

    return {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }


def _in_json(body: bytes) -> tuple[str, str] | None:
    if b"\\u0000" not in body:  # in JSON (UTF-8), NUL can only be written as this escape
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the route answers that the body is not JSON
    try:
        path = _path_to_nul(document)
    except RecursionError:  # nested deeper than the stack allows: name the body as a whole
        return "body", "body"
    return None if path is None else ("body", ".".join(path) or "body")


def _path_to_nul(value: Any) -> list[str] | None:
    """The path (keys and indexes) of the first text holding a NUL, as in validation errors."""
    if isinstance(value, str):
        return [] if "\x00" in value else None
    if not isinstance(value, dict | list):
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if "\x00" in str(key):
            return [str(key).replace("\x00", "\\u0000")]
        inner = _path_to_nul(item)
        if inner is not None:
            return [str(key), *inner]
    return None
