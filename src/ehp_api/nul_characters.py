"""Refuse the NUL character in paths, queries and bodies with a 422 naming where it is.

PostgreSQL cannot store it in text (the driver raises, which would be a 500) and spreadsheets
cannot show it; no field of this API has a use for it. Checked once here, for every route,
rather than on each of the models and parameters that reach the database.
"""

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ehp_api.errors import InvalidInput, InvalidParam, app_error_response

REASON = "holds a NUL character (\\u0000, %00), which no field accepts"


class RefuseNulCharacters:
    """Paths and query strings are checked as they come; a JSON or form body is read first (the
    body limit, outside this middleware, bounds it), checked, then handed on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = _in_url(scope)
        media_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
        if found is None and _checked(media_type):
            body = await _read_body(receive)
            found = _in_body(media_type, body)
            receive = _replay(body, receive)
        if found is None:
            await self.app(scope, receive, send)
            return
        location, field = found
        param = InvalidParam(location=location, field=field, reason=REASON, code="nul_character")
        refusal = InvalidInput(f"{location}.{field} {REASON}.", errors=[param])
        await app_error_response(Request(scope), refusal)(scope, receive, send)


def _checked(media_type: str) -> bool:
    json_type = media_type == "application/json" or media_type.endswith("+json")
    return json_type or media_type == "application/x-www-form-urlencoded"


def _in_url(scope: Scope) -> tuple[str, str] | None:
    if "\x00" in scope["path"]:
        return "path", scope["path"].replace("\x00", "%00")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return "query", name.replace("\x00", "%00")
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _in_body(media_type: str, body: bytes) -> tuple[str, str] | None:
    if media_type == "application/x-www-form-urlencoded":
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return "body", name.replace("\x00", "%00")
        return None
    if b"\\u0000" not in body:  # in JSON, NUL can only be written as this escape
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
