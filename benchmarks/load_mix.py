"""The mixed workload of benchmarks/load.py: who does what, and how each answer is judged.

Each operation is one thing a caller of the service does, timed from sending to the last byte
of the answer. Partners post single readings, alerts and complaints, and batches of readings
with an `Idempotency-Key` (retried with the same key when shed, and sometimes sent again after
success, as after a lost answer: the replay must be the stored answer). Analysts read lists,
the dashboard and a CSV export of one partner's quarter.
"""

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

SHED_STATUSES = (429, 503)
BATCH_ROWS = 50
BATCH_ATTEMPTS = 4
REPLAY_EVERY = 4  # one batch in four is sent again with its key, as after a lost answer
ALERT_CATEGORIES = ["abduction", "attack_on_civilians", "extortion", "forced_displacement"]
COMPLAINT_CATEGORIES = ["feedback", "assistance_complaint", "exclusion", "information_request"]


@dataclass
class Result:
    """One answer: `status` 0 is a transport error or a timeout; `error` says what was wrong."""

    op: str
    status: int
    ms: float
    shed: bool = False
    error: str = ""
    retry_after: float = 0.0  # seconds the refusal asked to wait


@dataclass
class Plan:
    """What the callers need: the plan's keys, and a secret per caller."""

    indicators: list[tuple[str, str]]  # (code, measure) of the indicators taking readings
    quarters: list[str]
    cercles: list[str]
    partners: list[tuple[str, str]]  # (organisation, secret)
    analyst: str
    period_ids: list[int] = field(default_factory=list)


Operation = Callable[[httpx.AsyncClient, Plan, random.Random], Awaitable[list[Result]]]


def judge(op: str, response: httpx.Response, ms: float, expected: tuple[int, ...]) -> Result:
    """A success, a proper refusal under load (problem+json with Retry-After), or an error."""
    status = response.status_code
    if status in expected:
        return Result(op, status, ms)
    media = response.headers.get("content-type", "")
    refusal = status in SHED_STATUSES and media == "application/problem+json"
    if refusal and "retry-after" in response.headers:
        return Result(op, status, ms, shed=True, retry_after=float(response.headers["retry-after"]))
    return Result(op, status, ms, error=f"HTTP {status} {media}: {response.text[:160]}")


async def call(
    client: httpx.AsyncClient, op: str, method: str, url: str, expected: tuple[int, ...], **kw: Any
) -> tuple[Result, httpx.Response | None]:
    start = time.perf_counter()
    try:
        response = await client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        ms = (time.perf_counter() - start) * 1000
        return Result(op, 0, ms, error=f"{type(exc).__name__}: {exc}"[:160]), None
    return judge(op, response, (time.perf_counter() - start) * 1000, expected), response


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _reading(plan: Plan, rng: random.Random) -> dict[str, Any]:
    code, measure = rng.choice(plan.indicators)
    row: dict[str, Any] = {"indicator": code, "period": rng.choice(plan.quarters)}
    row["location"] = rng.choice(plan.cercles)
    if measure == "percentage":
        denominator = rng.randint(1, 200)
        return row | {"numerator": rng.randint(0, denominator), "denominator": denominator}
    return row | {"value": rng.random() < 0.5 if measure == "boolean" else rng.randint(0, 500)}


async def post_reading(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    _, secret = rng.choice(plan.partners)
    body = _reading(plan, rng)
    result, _ = await call(
        client, "reading", "POST", "/api/v1/readings", (200, 201), json=body, headers=_auth(secret)
    )
    return [result]


def _batch(plan: Plan, rng: random.Random) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    while len(rows) < BATCH_ROWS:  # distinct keys: a key twice in a batch is refused
        row = _reading(plan, rng)
        rows[(row["indicator"], row["period"], row["location"])] = row
    return list(rows.values())


async def post_batch(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    """A batch with a new key, retried with the same key when shed; sometimes sent again."""
    _, secret = rng.choice(plan.partners)
    headers = _auth(secret) | {"Idempotency-Key": str(uuid.uuid4())}
    body = {"readings": _batch(plan, rng)}
    results, start = [], time.perf_counter()
    for _ in range(BATCH_ATTEMPTS):
        result, response = await call(
            client, "batch", "POST", "/api/v1/readings/batch", (200,), json=body, headers=headers
        )
        results.append(result)
        if not result.shed or response is None:
            break
        await asyncio.sleep(min(float(response.headers["retry-after"]), 2.0))
    if results[-1].error or results[-1].shed:
        return results
    results[-1].ms = (time.perf_counter() - start) * 1000  # the batch's time, retries included
    if rng.randrange(REPLAY_EVERY) == 0 and response is not None:
        results.append(await _replay(client, body, headers, response.json()))
    return results


async def _replay(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str], first: Any
) -> Result:
    result, response = await call(
        client, "batch replay", "POST", "/api/v1/readings/batch", (200,), json=body, headers=headers
    )
    if response is None or result.error or result.shed:
        return result
    if response.headers.get("idempotent-replayed") != "true" or response.json() != first:
        result.error = "the replay is not the stored answer"
    return result


async def post_alert(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    _, secret = rng.choice(plan.partners)
    occurred = date(2021, 1, 1) + timedelta(days=rng.randrange(700))
    body = {
        "kind": rng.choice(["ewrr", "ehp_referral"]),
        "category": rng.choice(ALERT_CATEGORIES),
        "location": rng.choice(plan.cercles),
        "occurred_on": occurred.isoformat(),
        "reported_on": (occurred + timedelta(days=1)).isoformat(),
        "severity": rng.randint(1, 5),
        "affected_group": "idps",
        "affected_people": rng.randint(1, 500),
        "narrative": "Load test: armed men entered the site at night.",
    }
    result, _ = await call(
        client, "alert", "POST", "/api/v1/alerts", (201,), json=body, headers=_auth(secret)
    )
    return [result]


async def post_complaint(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    _, secret = rng.choice(plan.partners)
    body = {
        "channel": rng.choice(["hotline", "help_desk", "sms"]),
        "category": rng.choice(COMPLAINT_CATEGORIES),
        "received_on": (date(2021, 1, 1) + timedelta(days=rng.randrange(700))).isoformat(),
        "location": rng.choice(plan.cercles),
        "description": "Load test: the distribution list left out three households.",
        "organisation_concerned": rng.choice(plan.partners)[0],
        "language": "fr",
        "complainant": {"anonymous": True, "sex": "f", "age_group": "18-59"},
    }
    result, _ = await call(
        client, "complaint", "POST", "/api/v1/complaints", (201,), json=body, headers=_auth(secret)
    )
    return [result]


async def get(
    client: httpx.AsyncClient, plan: Plan, op: str, url: str, params: dict[str, Any]
) -> list[Result]:
    result, _ = await call(
        client, op, "GET", url, (200,), params=params, headers=_auth(plan.analyst)
    )
    return [result]


async def list_readings(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    params = {"limit": 50, "organisation": rng.choice(plan.partners)[0]}
    params["period"] = rng.choice(plan.quarters)
    return await get(client, plan, "readings list", "/api/v1/readings", params)


async def list_alerts(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    params = {"limit": 50, "location": rng.choice(plan.cercles)}
    return await get(client, plan, "alerts list", "/api/v1/alerts", params)


async def dashboard(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    params = {"period": rng.choice(plan.quarters)}
    return await get(client, plan, "dashboard", "/api/v1/dashboard", params)


async def export(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    """One partner's first or second quarter: the volume's readings are there (about 2,000)."""
    params = {"organisation": rng.choice(plan.partners)[0], "period": rng.choice(plan.quarters[:2])}
    return await get(client, plan, "export csv", "/api/v1/exports/readings.csv", params)


async def ceiling_read(client: httpx.AsyncClient, plan: Plan, rng: random.Random) -> list[Result]:
    result, _ = await call(
        client, "pk read", "GET", f"/periods/{rng.choice(plan.period_ids)}", (200,)
    )
    return [result]


# (operation, weight): how often a caller does each, in a hundred.
SERVICE_MIX: list[tuple[Operation, int]] = [
    (post_reading, 20),
    (post_alert, 8),
    (post_complaint, 8),
    (post_batch, 4),
    (list_readings, 25),
    (list_alerts, 15),
    (dashboard, 15),
    (export, 5),
]
CEILING_MIX: list[tuple[Operation, int]] = [(ceiling_read, 1)]
READS = ("readings list", "alerts list", "dashboard", "export csv")
SINGLE_WRITES = ("reading", "alert", "complaint")
