"""Request bodies: the caller's credentials are checked before its body is read, and each
operation reads no more than its own limit (a 413 problem).

A body is read by the operation that takes it, after routing: the checks run when the operation
first asks for the body, where the route is known, and before a byte of it is read.
"""

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

from fastapi import Depends
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant, solve_dependencies
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ehp_api.core import metrics
from ehp_api.core.config import Settings
from ehp_api.core.errors import AppError, RequestTimeout, app_error_response, too_large
from ehp_api.core.i18n import N_, tr
from ehp_api.web.admission import SLOT, overloaded

# Room for the multipart framing (boundaries, part headers, small form fields) around the file.
MULTIPART_OVERHEAD = 64 * 1024
ADVICE_FILE = N_("split the file")
ADVICE_BODY = N_("send smaller batches")

# The operations whose body may be larger than EHP_MAX_BODY_BYTES, and the setting bounding it.
LARGER_BODIES = {"import_batch": "max_batch_bytes", "import_readings_file": "max_upload_bytes"}
# Whether a content type is checked; the refusal of such a body, if any.
ContentCheck = tuple[Callable[[str], bool], Callable[[str, bytes], AppError | None]]
# Without a Content-Length or a Transfer-Encoding, these have no body.
BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
_STACKS = ("fastapi_inner_astack", "fastapi_function_astack")


@dataclass(frozen=True)
class BodyLimit:
    size: int
    setting: str

    @property
    def is_file(self) -> bool:
        return self.setting == "max_upload_bytes"

    @property
    def readable(self) -> int:
        return self.size + MULTIPART_OVERHEAD if self.is_file else self.size

    def refusal(self) -> AppError:
        env = f"EHP_{self.setting.upper()}"
        if self.is_file:
            return too_large(self.size, env, "file", ADVICE_FILE)
        return too_large(self.size, env, "body", ADVICE_BODY)


def limit_of(settings: Settings, operation: str | None) -> BodyLimit:
    setting = LARGER_BODIES.get(operation or "", "max_body_bytes")
    return BodyLimit(getattr(settings, setting), setting)


class BodyRefused(HTTPException):
    """Raised from `receive` instead of the body. An HTTPException, so that FastAPI's body
    parsing lets it through instead of calling the body malformed (400)."""

    def __init__(self, error: AppError) -> None:
        super().__init__(error.status_code)
        self.error = error


def _needs(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return dependant.call is call or any(_needs(d, call) for d in dependant.dependencies)


def _solved_before(dependency: Callable[..., Any]) -> Callable[..., None]:
    """A dependant of `dependency` alone: solving a dependant solves what it depends on."""

    def solved(_: Annotated[Any, Depends(dependency)]) -> None:
        """Nothing: `dependency` has run."""

    return solved


class BodyGuardMiddleware:
    """Before an operation reads its body: a caller that must be authenticated and is not gets
    its 401 (the body stays unread: a stranger's 60 MB costs nothing), and a body declared larger
    than the operation's limit its 413. A body sent without `Content-Length` is counted as it
    streams, and reading stops at the first chunk over the limit.

    `principal` is the dependency that marks an operation as authenticated; `authenticate`, the
    dependency checking the credentials (solved with the app's overrides, like every other).
    `content_check` says which bodies are read whole and checked before the operation sees
    them (JSON and forms, for NUL characters), and checks one.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        principal: Callable[..., Any],
        authenticate: Callable[..., Any],
        content_check: ContentCheck,
    ) -> None:
        self.app = app
        self.settings = settings
        self.checks_content, self.check_content = content_check
        self.principal = principal
        self.authenticate = get_dependant(path="", call=_solved_before(authenticate))
        self.authenticated_routes: dict[int, bool] = {}  # by id(route): routes live as long

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not _has_body(scope["method"], Headers(scope=scope)):
            # Nothing to guard; a streamed answer listens on `receive` for the client leaving.
            await self.app(scope, receive, send)
            return
        guard = _Guard(self, scope, receive)
        refused, started = False, False

        async def guarded_receive() -> Message:
            nonlocal refused
            try:
                return await guard.receive(started)
            except BodyRefused:
                refused = True
                raise

        async def send_unless_refused(message: Message) -> None:
            nonlocal started
            if not refused:  # the app's own answer to BodyRefused is replaced by ours
                started = started or message["type"] == "http.response.start"
                await send(message)

        with contextlib.suppress(BodyRefused):
            await self.app(scope, guarded_receive, send_unless_refused)
        if refused and guard.error is not None:
            response = app_error_response(Request(scope), guard.error)
            # The rest of the body is never read: the connection cannot serve another request.
            response.headers["Connection"] = "close"
            await response(scope, _no_body, send)

    def needs_credentials(self, route: Any) -> bool:
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            return False
        key = id(route)
        if key not in self.authenticated_routes:
            self.authenticated_routes[key] = _needs(dependant, self.principal)
        return self.authenticated_routes[key]

    async def credentials_refused(self, scope: Scope, receive: Receive) -> AppError | None:
        # Only reads: as a GET, its transaction never waits for SQLite's write lock. Its own
        # stacks, closed at once: the operation's session is not opened until the body is read.
        request = Request({**scope, "method": "GET"}, receive)
        try:
            async with AsyncExitStack() as stack, AsyncExitStack() as function_stack:
                request.scope.update(zip(_STACKS, (stack, function_stack), strict=True))
                await solve_dependencies(
                    request=request,
                    dependant=self.authenticate,
                    dependency_overrides_provider=scope.get("app"),
                    async_exit_stack=stack,
                    embed_body_fields=False,
                )
        except AppError as error:
            return error
        return None


class _Guard:
    """One request's body: checked before its first byte, counted after."""

    def __init__(self, middleware: BodyGuardMiddleware, scope: Scope, receive: Receive) -> None:
        self.middleware = middleware
        self.scope = scope
        self.inner = receive
        self.limit: BodyLimit | None = None
        self.received = 0
        self.started_at = 0.0
        self.complete = False
        self.error: AppError | None = None

    async def receive(self, answered: bool) -> Message:
        if self.complete:  # the operation listens for the client leaving
            return await self.inner()
        if self.limit is None:
            limit = await self._before_the_body()
            content_type = Headers(scope=self.scope).get("content-type", "")
            # A file is bounded by its own rules, not buffered here: any byte may be in it.
            if not limit.is_file and self.middleware.checks_content(content_type):
                return await self._read_checked(content_type, answered)
        return await self._next(answered)

    async def _next(self, answered: bool) -> Message:
        assert self.limit is not None
        try:
            async with asyncio.timeout_at(self._deadline()):
                message = await self.inner()
        except TimeoutError:
            self._refuse(self._too_slow())
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.readable and not answered:
                self._refuse(self.limit.refusal())
            if not message.get("more_body", False):
                self.complete = True
                await self._step_in()
        return message

    def _deadline(self) -> float:
        settings = self.middleware.settings
        allowed = settings.body_timeout_seconds + self.received / settings.body_min_rate
        return self.started_at + allowed

    def _too_slow(self) -> RequestTimeout:
        settings = self.middleware.settings
        return RequestTimeout(
            tr(
                "The request body did not arrive in time ({seconds} s, then at least {rate} bytes "
                "a second: EHP_BODY_TIMEOUT_SECONDS, EHP_BODY_MIN_RATE); the connection is closed.",
                seconds=f"{settings.body_timeout_seconds:g}",
                rate=settings.body_min_rate,
            )
        )

    async def _step_in(self) -> None:
        """Back among the requests in flight, now that the body is here (see `Slot`)."""
        slot = self.scope.get(SLOT)
        if slot is not None and not slot.held and not await slot.take():
            metrics.SHED.inc()
            self._refuse(overloaded())

    async def _read_checked(self, content_type: str, answered: bool) -> Message:
        """The whole body (within its limit), checked, handed on in one message."""
        chunks = []
        while True:
            message = await self._next(answered)
            if message["type"] != "http.request":
                return message  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        error = self.middleware.check_content(content_type, body)
        if error is not None:
            self._refuse(error)
        return {"type": "http.request", "body": body, "more_body": False}

    async def _before_the_body(self) -> BodyLimit:
        route = self.scope.get("route")
        settings = self.middleware.settings
        self.limit = limit = limit_of(settings, getattr(route, "name", None))
        if self.middleware.needs_credentials(route):
            error = await self.middleware.credentials_refused(self.scope, self.inner)
            if error is not None:
                self._refuse(error)
        declared = Headers(scope=self.scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.limit.readable:
            self._refuse(self.limit.refusal())
        # From here the request waits for its client: it holds no thread, no connection, and
        # no place among the requests in flight, and has until its deadline to send the body.
        slot = self.scope.get(SLOT)
        if slot is not None:
            slot.step_out()
        self.started_at = asyncio.get_running_loop().time()
        return limit

    def _refuse(self, error: AppError) -> NoReturn:
        self.error = error
        raise BodyRefused(error)


def _has_body(method: str, headers: Headers) -> bool:
    declared = headers.get("content-length")
    if declared is not None:
        return declared.strip() != "0"
    return "transfer-encoding" in headers or method not in BODILESS_METHODS


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
