"""ASGI middleware: the client's address, request ids and security headers on every response
(body limits are in `body_limits`, load shedding in `admission`)."""

import logging
import re
import uuid
from typing import Any, cast

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ehp_api.core.errors import problem_response
from ehp_api.core.request_context import request_id_var

logger = logging.getLogger("ehp_api.core.errors")
proxy_logger = logging.getLogger("ehp_api.proxy")


_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

NO_STORE = "no-store"
# The docs' assets are served under a path naming their package's version: a new version is a
# new path, so a browser may keep what it fetched for as long as it likes.
IMMUTABLE = "public, max-age=31536000, immutable"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # The docs pages run their bundled scripts inline, and ReDoc builds its search index in a
    # worker made from a blob: URL (refused, its search box found nothing); everything else is JSON.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    ),
}


class ClientAddressMiddleware:
    """The one place that decides the client's address (per-address rate limits, the audit log,
    logs): the connecting address, or, when it is a trusted proxy (EHP_TRUSTED_PROXIES), the
    address X-Forwarded-For names, walked from the right past the trusted proxies (uvicorn's
    middleware does the walking). `ehp-api serve` turns uvicorn's own handling off.

    A server that already took the address from X-Forwarded-For (uvicorn run directly, whose
    default trusts 127.0.0.1) leaves a port of 0 behind, which no connection has: said once in the
    log, since that server's trust, not EHP_TRUSTED_PROXIES, then decided.
    """

    def __init__(self, app: ASGIApp, trusted_proxies: list[str]) -> None:
        self.app = app
        if trusted_proxies:  # uvicorn's types are stricter than Starlette's, not different
            self.app = cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), trusted_proxies))
        self.warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.warned and _forwarded_by_the_server(scope):
            self.warned = True
            proxy_logger.warning(
                "the server took the client address from X-Forwarded-For itself; run it without "
                "its proxy headers handling (uvicorn --no-proxy-headers) so that "
                "EHP_TRUSTED_PROXIES decides"
            )
        await self.app(scope, receive, send)


def _forwarded_by_the_server(scope: Scope) -> bool:
    client = scope.get("client")
    forwarded = any(name == b"x-forwarded-for" for name, _ in scope["headers"])
    return forwarded and client is not None and client[1] == 0


class RequestContextMiddleware:
    """Take `X-Request-ID` from the request (or make one), echo it, add security headers, and
    `Cache-Control`: `no-store`, but for what is found under `immutable_prefixes` (versioned
    assets).

    It also turns an unhandled exception into a 500 problem here, inside the request's context,
    so the answer carries the request id like every other error.
    """

    def __init__(self, app: ASGIApp, immutable_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.immutable_prefixes = tuple(f"{prefix}/" for prefix in immutable_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        immutable = bool(self.immutable_prefixes) and scope["path"].startswith(
            self.immutable_prefixes
        )

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                # What was found may be kept; a 404 for an asset must not be.
                found = message["status"] < 400
                headers.setdefault("Cache-Control", IMMUTABLE if immutable and found else NO_STORE)
                _tag_the_encoding(headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            response = problem_response(
                Request(scope),
                500,
                "An internal error occurred; quote the request id when reporting it.",
            )
            await response(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)


GZIP_TAG_SUFFIX = "-gzip"
# What the gzip layer compresses (`ehp_api.main`): answers of 1 KB and more, at level 6. The
# reference snapshot keeps its answers compressed the same way (`ehp_api.web.reference`).
GZIP_MINIMUM_BYTES = 1000
GZIP_LEVEL = 6


def _tag_the_encoding(headers: MutableHeaders) -> None:
    """A strong ETag names one sequence of bytes: the gzipped bytes get their own tag (`"...-gzip"`,
    as Apache does), which `If-None-Match` accepts as the same answer (`ehp_api.web.reference`)."""
    etag = headers.get("etag")
    if etag and headers.get("content-encoding") == "gzip" and etag.endswith('"'):
        headers["ETag"] = etag[:-1] + GZIP_TAG_SUFFIX + '"'
