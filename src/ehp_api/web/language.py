"""The request's language: a download's `lang` query parameter, else `Accept-Language`, else the
service's EHP_DEFAULT_LANGUAGE; set for everything inside (errors, services, files)."""

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ehp_api.core.i18n import Language, negotiate
from ehp_api.core.request_context import language_var


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
