"""ASGI middleware: the client's address, request ids and security headers on every response
(body limits are in `body_limits`, load shedding in `admission`)."""

import logging
import re
import time
import uuid
from typing import Any, cast

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ehp_api.core import metrics
from ehp_api.core.errors import problem_response
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal, PrincipalKind
from ehp_api.core.request_context import request_id_var

logger = logging.getLogger("ehp_api.core.errors")
proxy_logger = logging.getLogger("ehp_api.proxy")
access_logger = logging.getLogger("ehp_api.access")


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

    Once the answer's last byte is sent, its access line (`ehp_api.access`) and its metrics
    (`ehp_api.core.metrics`): one layer for the id, the log and the counts, as each costs little.
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
        began = time.perf_counter()
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        immutable = bool(self.immutable_prefixes) and scope["path"].startswith(
            self.immutable_prefixes
        )
        status, done = 0, False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, done
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                # What was found may be kept; a 404 for an asset must not be.
                found = message["status"] < 400
                headers.setdefault("Cache-Control", IMMUTABLE if immutable and found else NO_STORE)
                _tag_the_encoding(headers)
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done = True
                _answered(scope, status, began)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception(
                "unhandled error on %s %s", scope["method"], route_of(scope) or scope["path"]
            )
            if status:
                raise
            response = problem_response(
                Request(scope),
                500,
                tr("An internal error occurred; quote the request id when reporting it."),
            )
            await response(scope, receive, send_with_headers)
        finally:
            if not done:  # the answer broke off, or never began (status 0: the client left)
                _answered(scope, status, began)
            request_id_var.reset(token)


def route_of(scope: Scope) -> str | None:
    """The template of the operation that took the request (`/api/v1/alerts/{alert_id}`), if one
    did: never the path itself, which may carry a follow-up code (the logs redact it, but a
    metric's label would keep every path ever asked for).

    FastAPI keeps an included router's routes with their own paths (`/alerts/{alert_id}`), and
    the whole template on the route it chose, in its part of the scope (not a public name:
    `tests/test_logs.py` fails if it moves)."""
    chosen = scope.get("fastapi", {}).get("effective_route_context")
    return getattr(chosen, "path_format", None) or getattr(scope.get("route"), "path", None)


def _answered(scope: Scope, status: int, began: float) -> None:
    seconds = time.perf_counter() - began
    route, method = route_of(scope), scope["method"]
    metrics.REQUESTS.labels(method, route or metrics.UNMATCHED, str(status)).inc()
    metrics.LATENCY.labels(method, route or metrics.UNMATCHED).observe(seconds)
    if access_logger.isEnabledFor(logging.INFO):
        # Without an operation (the docs, a 404, a request refused before routing), the path
        # itself: the logs redact what it may carry.
        path = route or scope["path"]
        fields = _access_fields(scope, method, path, status, seconds)
        access_logger.info("%s %s %s", method, path, status, extra=fields)


def _access_fields(
    scope: Scope, method: str, path: str, status: int, seconds: float
) -> dict[str, object]:
    client = scope.get("client")
    principal: Principal | None = scope.get("state", {}).get("principal")
    fields: dict[str, object] = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "client": client[0] if client else None,
    }
    if principal is not None:
        fields["principal"] = principal.kind.value
        fields["organisation"] = principal.organisation_code
        if principal.kind == PrincipalKind.api_key:
            fields["key_prefix"] = principal.key_prefix
        else:
            fields["user_id"] = principal.id
    return fields


GZIP_TAG_SUFFIX = "-gzip"
# What the gzip layer compresses (`ehp_api.main`): answers of 1 KB and more, at level 6. The
# reference snapshot keeps its answers compressed the same way (`ehp_api.web.reference`).
GZIP_MINIMUM_BYTES = 1000
GZIP_LEVEL = 6


def gzipped_tag(etag: str) -> str:
    """A strong ETag names one sequence of bytes: the gzipped bytes get their own tag (`"...-gzip"`,
    as Apache does), which `If-None-Match` accepts as the same answer (`web.validators.tags`)."""
    return etag[:-1] + GZIP_TAG_SUFFIX + '"' if etag.endswith('"') else etag


def _tag_the_encoding(headers: MutableHeaders) -> None:
    etag = headers.get("etag")
    if etag and headers.get("content-encoding") == "gzip":
        headers["ETag"] = gzipped_tag(etag)
