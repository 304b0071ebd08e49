"""`ehp-push` (and `ehp-api push`, the same code): send a readings file to the API in batches,
over unreliable connections.

Every batch carries an `Idempotency-Key` derived from the file's content, the options and the
batch's position: sending the same file again (after a crash, a timeout, a cut connection) gets
the stored answers back instead of writing twice. Transport errors, 5xx and 429 are retried with
exponential backoff, honouring `Retry-After`.
"""

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from ehp_partner import __version__
from ehp_partner.client import ApiError, BatchRefused, batch_summary
from ehp_partner.files import FileRefused, ParsedFile, parse

HELP = (
    "Send a CSV or XLSX file of readings (the columns of the template, GET "
    "/api/v1/readings/template.xlsx) to the API in batches, and print the summary.\n\n"
    "Each batch carries an idempotency key derived from the file's content and the batch's "
    "position: running the same command again after a crash or a lost connection never stores "
    "a reading twice. Network errors, 5xx and 429 answers are retried with backoff. "
    "--mode atomic applies to each batch: use --dry-run first, or a --batch-size as large as "
    "the file (at most 10,000), to check the whole file before anything is stored.\n\n"
    "Exits with 1 when rows were refused, 2 on any other error."
)
BATCH_PATH = "/api/v1/readings/batch"
MAX_FILE_ROWS = 200_000
_PERIOD = re.compile(r"^\d{4}(Q[1-4])?$")


class Mode(StrEnum):
    atomic = "atomic"
    partial = "partial"


class PushError(Exception):
    """The push cannot go on: the file, the credentials, or the network after every retry.
    `lines`: what to print, the first line being the message."""

    def __init__(self, message: str, *details: str) -> None:
        super().__init__(message)
        self.lines = [message, *details]


@dataclass(frozen=True)
class Options:
    mode: Mode = Mode.atomic
    dry_run: bool = False
    batch_size: int = 1000
    max_attempts: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubled at each attempt
    max_wait: float = 120.0


@dataclass(frozen=True)
class Conflict:
    lines: list[int]  # rows of the file, the header being row 1
    field: str
    code: str
    message: str


@dataclass
class Outcome:
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
    )
    not_stored: int = 0  # valid rows of batches refused as a whole (atomic)
    replayed: int = 0  # batches already sent by an earlier run: their stored answer
    batches: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True)
class Upload:
    parsed: ParsedFile
    digest: str  # of the file's bytes, for the idempotency keys
    period: str | None


def read_file(path: Path, period: str | None = None) -> Upload:
    """The file's readings, with `period` (when given) set on every row."""
    if period is not None and not _PERIOD.match(period):
        raise PushError(f"--period {period!r} is neither a quarter (2021Q2) nor a year (2021).")
    data = path.read_bytes()
    required = ("indicator",) if period else ("indicator", "period")
    try:
        parsed = parse(path.name, None, data, required=required, max_rows=MAX_FILE_ROWS)
    except FileRefused as refusal:
        raise PushError(str(refusal), f"  file: {refusal.reason}") from None
    for row in parsed.rows if period else []:
        row["period"] = period
    return Upload(parsed, hashlib.sha256(data).hexdigest(), period)


def batch_key(upload: Upload, options: Options, index: int) -> str:
    """Same file, options and position: same key. Another batch size or mode gives other
    batches, so it gives other keys too (a key reused for another body is refused)."""
    basis = f"{upload.digest}|{upload.period or ''}|{options.mode}|{options.batch_size}"
    return f"ehp-push-{hashlib.sha256(basis.encode()).hexdigest()[:32]}-{index}"


def make_client(url: str, api_key: str, timeout: float) -> httpx.Client:
    if not url.startswith(("https://", "http://")):
        raise PushError(f"--url {url!r} must start with https:// (or http:// on a local test).")
    root = url.rstrip("/").removesuffix("/api/v1")
    headers = {"Authorization": f"Bearer {api_key}", "User-Agent": f"ehp-push/{__version__}"}
    return httpx.Client(base_url=root, headers=headers, timeout=httpx.Timeout(timeout, connect=15))


def push(
    client: httpx.Client,
    upload: Upload,
    options: Options,
    *,
    progress: Callable[[int], None] = lambda rows: None,
    notify: Callable[[str], None] = lambda message: None,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Send every batch in order and add up their summaries."""
    outcome, rows, size = Outcome(), upload.parsed.rows, options.batch_size
    for index, start in enumerate(range(0, len(rows), size)):
        key = None if options.dry_run else batch_key(upload, options, index)
        response = _send(client, rows[start : start + size], key, options, notify, sleep)
        _add(outcome, response, upload.parsed.lines[start : start + size])
        progress(len(rows[start : start + size]))
    return outcome


def _send(
    client: httpx.Client,
    rows: list[dict[str, Any]],
    key: str | None,
    options: Options,
    notify: Callable[[str], None],
    sleep: Callable[[float], None],
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    params = {"mode": options.mode.value, "dry_run": str(options.dry_run).lower()}
    for attempt in range(1, options.max_attempts + 1):
        wait = options.backoff * 2 ** (attempt - 1)
        try:
            response = client.post(
                BATCH_PATH, json={"readings": rows}, params=params, headers=headers
            )
        except httpx.TransportError as error:
            problem = f"{type(error).__name__}: {error}"
        else:
            if response.status_code < 500 and response.status_code != 429:
                return response
            problem = f"HTTP {response.status_code}"
            wait = max(wait, _retry_after(response))
        if attempt == options.max_attempts:
            raise PushError(
                f"Gave up after {attempt} attempts ({problem}); run the same "
                "command again later: batches already stored are not stored twice."
            )
        wait = min(wait, options.max_wait)
        notify(f"{problem}; retrying in {wait:g} s (attempt {attempt + 1}/{options.max_attempts})")
        sleep(wait)
    raise AssertionError("unreachable")


def _retry_after(response: httpx.Response) -> float:
    """`Retry-After` in seconds, or as an HTTP date; 0 when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _add(outcome: Outcome, response: httpx.Response, lines: list[int]) -> None:
    try:
        summary = batch_summary(response)
    except BatchRefused as refused:
        summary = refused.summary
    except ApiError as error:
        raise PushError(*error.problem.lines()) from None
    outcome.batches += 1
    outcome.replayed += summary.replayed
    for name in outcome.counts:
        outcome.counts[name] += getattr(summary, name)
    outcome.not_stored += summary.not_stored
    for c in summary.conflicts:
        outcome.conflicts.append(Conflict([lines[r] for r in c.rows], c.field, c.code, c.message))


def report(outcome: Outcome, options: Options) -> list[str]:
    """The combined summary, one line per fact and one per refused row."""
    counts = ", ".join(f"{name} {n:,}" for name, n in outcome.counts.items())
    lines = ["Dry run: nothing was written."] if options.dry_run else []
    lines.append(f"{outcome.batches} batch(es): {counts}")
    if outcome.replayed:
        lines.append(
            f"{outcome.replayed} batch(es) had already been sent: their stored answer is shown."
        )
    if outcome.not_stored:
        lines.append(
            f"{outcome.not_stored:,} valid row(s) not stored: their batch had refused rows "
            "(mode=atomic). Fix the rows below and run again, or use --mode partial."
        )
    for c in sorted(outcome.conflicts, key=lambda c: c.lines):
        where = ", ".join(map(str, c.lines))
        lines.append(f"row {where}: {c.field} [{c.code}] {c.message}")
    return lines
