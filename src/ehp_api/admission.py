"""Load shedding: at most so many requests in flight per worker process; the next ones wait
their turn at the door for a bounded time, or are refused with a 503 problem."""

import asyncio
import contextlib
from collections import deque

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ehp_api.errors import problem_response

# Probes must tell a busy worker from a dead one: never shed.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
RETRY_AFTER_SECONDS = 1


class InFlightLimitMiddleware:
    """At most `limit` requests in flight in this process; the next waits its turn at the door
    for up to `wait_seconds`, then gets a 503 problem (at once when `wait_seconds` is 0).

    Past its limit, a request would wait for a thread and a database connection while holding
    neither, and the requests ahead of it would wait for threads it is queued behind: answers slow
    down for everyone, then time out together. At the door it holds no thread and no connection:
    it waits in order, and is refused if its turn does not come in time; the caller retries after
    `Retry-After`, and the requests in flight finish on time. The count is per process (one event
    loop: no lock), like the thread pool and the connection pool it guards.
    """

    def __init__(self, app: ASGIApp, limit: int, wait_seconds: float = 0.0) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.in_flight = 0
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            await self._refuse(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _admit(self) -> bool:
        if self.in_flight < self.limit and not self.waiting:
            self.in_flight += 1
            return True
        if self.wait_seconds <= 0:
            return False
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            async with asyncio.timeout(self.wait_seconds):
                await turn
        except TimeoutError:
            pass
        except asyncio.CancelledError:  # the client went away, or the server stops
            if turn.done() and not turn.cancelled():
                self._release()
            raise
        finally:
            with contextlib.suppress(ValueError):
                self.waiting.remove(turn)
        # The slot may have been handed over just as the wait ran out: then it is this request's.
        return turn.done() and not turn.cancelled()

    def _release(self) -> None:
        # A finished request hands its slot to the first in line: the count stays as it is.
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.in_flight -= 1

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            Request(scope),
            503,
            f"The service is handling as many requests as it can; retry in "
            f"{RETRY_AFTER_SECONDS} s.",
            slug="overloaded",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        await response(scope, receive, send)
