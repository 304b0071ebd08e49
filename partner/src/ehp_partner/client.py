"""A thin typed client of the EHP API for partner systems: pages of readings and alerts, reading
batches with an idempotency key, alerts; every refusal raised as `ApiError` carrying its RFC 9457
problem. Records stay plain dicts (the API's JSON, documented at /docs): the client types the
envelopes a program branches on, not every field.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from ehp_partner import __version__

API = "/api/v1"
Record = dict[str, Any]


@dataclass(frozen=True)
class InvalidParam:
    """One refused field of a problem."""

    field: str
    reason: str
    code: str
    location: str = "body"


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem document, as the API answers every error."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[InvalidParam] = field(default_factory=list)
    body: Record = field(default_factory=dict)  # the whole document, extensions included

    @classmethod
    def of(cls, response: httpx.Response) -> "Problem":
        """The response's problem; a body that is not one (a proxy's page) still gives one."""
        body = _json(response)
        errors = [
            InvalidParam(
                str(e.get("field")),
                str(e.get("reason")),
                str(e.get("code")),
                str(e.get("location", "body")),
            )
            for e in body.get("errors") or []
            if isinstance(e, dict)
        ]
        return cls(
            type=str(body.get("type", "about:blank")),
            title=str(body.get("title", response.reason_phrase)),
            status=int(body.get("status", response.status_code)),
            detail=str(body.get("detail") or response.reason_phrase),
            instance=body.get("instance"),
            request_id=body.get("request_id") or response.headers.get("X-Request-ID"),
            errors=errors,
            body=body,
        )

    def lines(self) -> list[str]:
        """For a person: the status and detail, then one line per refused field."""
        head = f"HTTP {self.status}: {self.detail}"
        return [head, *(f"  {e.field}: {e.reason}" for e in self.errors)]


class ApiError(Exception):
    """The API refused the request; `problem` says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__("\n".join(problem.lines()))
        self.problem = problem


@dataclass(frozen=True)
class Conflict:
    """Why one row (or several rows together) of a batch was refused."""

    rows: list[int]  # indexes in the batch, from 0
    field: str
    code: str
    message: str


@dataclass(frozen=True)
class RowResult:
    row: int
    outcome: Literal["created", "updated", "unchanged", "rejected", "not_stored"]
    id: int | None


@dataclass(frozen=True)
class BatchSummary:
    """The per-row summary of a reading batch (`ImportSummary` in the API's document)."""

    mode: Literal["atomic", "partial"]
    dry_run: bool
    written: bool
    total: int
    created: int
    updated: int
    unchanged: int
    not_stored: int
    rejected: int
    conflicts: list[Conflict]
    results: list[RowResult]
    replayed: bool = False  # the stored answer to an earlier request with the same key

    @classmethod
    def of(cls, body: Mapping[str, Any], replayed: bool = False) -> "BatchSummary":
        counts = ("total", "created", "updated", "unchanged", "not_stored", "rejected")
        return cls(
            mode=body["mode"],
            dry_run=body["dry_run"],
            written=body["written"],
            **{name: int(body[name]) for name in counts},
            conflicts=[
                Conflict(c["rows"], c["field"], c["code"], c["message"]) for c in body["conflicts"]
            ],
            results=[RowResult(r["row"], r["outcome"], r.get("id")) for r in body["results"]],
            replayed=replayed,
        )


class BatchRefused(ApiError):
    """An atomic batch refused as a whole (409, 422): nothing was stored; `summary` says which
    rows were refused and which valid ones were not stored."""

    def __init__(self, problem: Problem, summary: BatchSummary) -> None:
        super().__init__(problem)
        self.summary = summary


@dataclass(frozen=True)
class Page:
    """One page of a list; pass `next_cursor` as `cursor` for the next, until it is None."""

    items: list[Record]
    limit: int
    next_cursor: str | None
    server_time: str | None = None  # `X-Server-Time`: the next sync pass's `updated_since`


class Client:
    """`with Client("https://ehp.example.org", key) as ehp: ehp.readings(limit=100)`."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        root = url.rstrip("/").removesuffix(API)
        headers = {"Authorization": f"Bearer {api_key}", "User-Agent": f"ehp-partner/{__version__}"}
        self.http = httpx.Client(
            base_url=root, headers=headers, timeout=timeout, transport=transport
        )

    def readings(
        self, *, limit: int | None = None, cursor: str | None = None, **filters: Any
    ) -> Page:
        """A page of the readings the key may see; `filters` are the list's query parameters."""
        return self._page("/readings", limit, cursor, filters)

    def alerts(
        self, *, limit: int | None = None, cursor: str | None = None, **filters: Any
    ) -> Page:
        """A page of the alerts the key may see."""
        return self._page("/alerts", limit, cursor, filters)

    def all(self, list_page: Any, **filters: Any) -> Iterator[Record]:
        """Every record of a list, page after page: `ehp.all(ehp.readings, period="2021Q2")`."""
        cursor = None
        while True:
            page: Page = list_page(cursor=cursor, **filters)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def post_readings(
        self,
        readings: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str | None,
        mode: Literal["atomic", "partial"] = "atomic",
        dry_run: bool = False,
    ) -> BatchSummary:
        """Post a batch (up to 10,000 readings). The same key with the same body gets the stored
        answer back (`replayed`), never a second write: send again after a lost answer. A dry
        run takes no key. Raises `BatchRefused` when an atomic batch stored nothing."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        params = {"mode": mode, "dry_run": str(dry_run).lower()}
        response = self.http.post(
            f"{API}/readings/batch",
            json={"readings": list(readings)},
            params=params,
            headers=headers,
        )
        return batch_summary(response)

    def post_alert(self, alert: Mapping[str, Any], *, idempotency_key: str | None = None) -> Record:
        """Create an alert (the 5W: kind, category, location, dates, severity ...); returns it."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return _record(self.http.post(f"{API}/alerts", json=dict(alert), headers=headers))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _page(
        self, path: str, limit: int | None, cursor: str | None, filters: dict[str, Any]
    ) -> Page:
        params = {
            k: v for k, v in {**filters, "limit": limit, "cursor": cursor}.items() if v is not None
        }
        response = self.http.get(f"{API}{path}", params=params)
        body = _record(response)
        server_time = response.headers.get("X-Server-Time")
        return Page(body["items"], body["limit"], body["next_cursor"], server_time)


def batch_summary(response: httpx.Response) -> BatchSummary:
    """A batch's answer as its summary; `BatchRefused` for an atomic batch refused whole,
    `ApiError` for any other refusal (credentials, a malformed body, a reused key ...)."""
    replayed = response.headers.get("Idempotent-Replayed") == "true"
    if response.status_code == 200:
        return BatchSummary.of(_json(response), replayed)
    problem = Problem.of(response)
    summary = problem.body.get("summary")
    if response.status_code in (409, 422) and isinstance(summary, dict):
        raise BatchRefused(problem, BatchSummary.of(summary, replayed))
    raise ApiError(problem)


def _record(response: httpx.Response) -> Record:
    if not response.is_success:
        raise ApiError(Problem.of(response))
    return _json(response)


def _json(response: httpx.Response) -> Record:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
