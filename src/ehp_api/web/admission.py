"""Load shedding: at most so many requests in flight per worker process; the next ones wait
their turn at the door for a bounded time, or are refused with a 503 problem. A request waiting
for its client's body holds no place (`Slot`)."""

import asyncio
import contextlib
from collections import deque

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ehp_api.core import metrics
from ehp_api.core.errors import ServiceUnavailable, problem_response
from ehp_api.core.i18n import tr
from ehp_api.web.metrics import PATH as METRICS_PATH

# Probes must tell a busy worker from a dead one, and the scraper see how busy it is: never shed.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", METRICS_PATH})
RETRY_AFTER_SECONDS = 1


SLOT = "ehp.admission_slot"


class Admission:
    """At most `limit` requests in flight in this process; the next waits its turn at the door
    for up to `wait_seconds`, then is refused (at once when `wait_seconds` is 0).

    Past its limit, a request would wait for a thread and a database connection while holding
    neither, and the requests ahead of it would wait for threads it is queued behind: answers slow
    down for everyone, then time out together. At the door it holds no thread and no connection:
    it waits in order, and is refused if its turn does not come in time; the caller retries after
    `Retry-After`, and the requests in flight finish on time. The count is per process (one event
    loop: no lock), like the thread pool and the connection pool it guards.
    """

    def __init__(self, limit: int, wait_seconds: float = 0.0) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.in_flight = 0
        self.waiting: deque[asyncio.Future[None]] = deque()

    @property
    def saturated(self) -> bool:
        """Every slot taken: a new request would wait at the door, or be refused."""
        return self.in_flight >= self.limit

    async def admit(self) -> bool:
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
                self.release()
            raise
        finally:
            with contextlib.suppress(ValueError):
                self.waiting.remove(turn)
        # The slot may have been handed over just as the wait ran out: then it is this request's.
        return turn.done() and not turn.cancelled()

    def release(self) -> None:
        # A finished request hands its slot to the first in line: the count stays as it is.
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.in_flight -= 1


class Slot:
    """One request's place among those in flight. It steps out while the request waits for its
    client (a body still on the way): a slow or stalled client holds no slot, so twenty of them
    cannot keep every other request out (`body_limits` steps out and back in)."""

    def __init__(self, admission: Admission) -> None:
        self.admission = admission
        self.held = False

    async def take(self) -> bool:
        self.held = await self.admission.admit()
        return self.held

    def step_out(self) -> None:
        if self.held:
            self.held = False
            self.admission.release()


class Overloaded(ServiceUnavailable):
    slug = "overloaded"


def overloaded() -> Overloaded:
    return Overloaded(
        tr(
            "The service is handling as many requests as it can; retry in {seconds} s.",
            seconds=RETRY_AFTER_SECONDS,
        ),
        retry_after=RETRY_AFTER_SECONDS,
    )


class InFlightLimitMiddleware:
    """Requests pass the door of `admission` (see `Admission`), or get a 503 problem."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app = app
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        slot = Slot(self.admission)
        if not await slot.take():
            await self._refuse(scope, receive, send)
            return
        scope[SLOT] = slot
        try:
            await self.app(scope, receive, send)
        finally:
            slot.step_out()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics.SHED.inc()
        response = problem_response(
            Request(scope),
            503,
            overloaded().detail,
            slug="overloaded",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        await response(scope, receive, send)
