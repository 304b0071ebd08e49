"""The request's language: a download's `lang` query parameter, else `Accept-Language`, else the
service's EHP_DEFAULT_LANGUAGE; set for everything inside (errors, services, files)."""

from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ehp_api.core.i18n import Language, current_language, negotiate
from ehp_api.core.request_context import language_var
from ehp_api.web.idempotency import REPLAYED_HEADER


class LanguageMiddleware:
    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = Language(default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = language_var.set(self.language(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            language_var.reset(token)

    def language(self, scope: Scope) -> Language:
        query: bytes = scope.get("query_string", b"")
        if b"lang=" in query:  # a download's choice; a wrong value is the route's 422
            asked = dict(parse_qsl(query.decode("latin-1"))).get("lang", "")
            if asked in Language.__members__:
                return Language(asked)
        for name, value in scope["headers"]:
            if name == b"accept-language":
                return negotiate(value.decode("latin-1"), self.default)
        return self.default


def says_its_language(response: Response) -> Response:
    """`Content-Language` (and `Vary`) on an answer whose texts were written in the request's
    language, such as a batch's refusals. A replayed answer is the first request's, in that
    request's language, which is not known here: it says none."""
    if REPLAYED_HEADER not in response.headers:
        response.headers["Content-Language"] = current_language().value
        response.headers.add_vary_header("Accept-Language")
    return response
