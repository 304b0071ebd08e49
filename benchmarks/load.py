"""A mixed workload against `ehp-api serve --workers N` on PostgreSQL, against a bare endpoint.

.venv/bin/python benchmarks/load.py [--workers 2] [--step-seconds 5] [--measure-seconds 20]
    [--rows 100000] [--url URL] [--keep]

Creates a database `ehp_load_<random>`, migrates and seeds it with the CLI, adds a volume
(benchmarks/volume.py: readings, alerts, complaints) and the callers' API keys. Then, with the
bare FastAPI app of benchmarks/ceiling_app.py (one primary-key read; the framework ceiling) and
then with the service, each under uvicorn with the same number of workers:

1. ramp: closed-loop callers (no think time) doubling from 1 until the throughput stops rising;
   the maximum sustained throughput is the best step without errors or refusals, its callers
   the sustained concurrency;
2. (service) half load: as many callers, paced to half the maximum throughput; targets: no
   error, p99 under 200 ms for reads and single writes;
3. (service) overload: four times the sustained concurrency, no pacing; targets: every refusal
   a 503 or 429 problem+json with Retry-After, at once, no answer stalled, no collapse;
4. (service) flood: twice as many callers as the workers may serve at once (workers times
   EHP_MAX_IN_FLIGHT), no pacing, so that the service must shed; targets: it sheds, with the
   same targets as the overload;
5. (service) recovery: the half load again at once; target: no error.

The callers run in four client processes (benchmarks/load_mix.py holds what they do).

Prints throughput, p50/p95/p99 per operation and errors, the ratio to the ceiling, and PASS or
FAIL per target. A report, not a test: it exits 0 whatever the figures.
"""

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cpu_use
import httpx
import load_mix
import load_setup
import volume

from ehp_api.core.config import Settings

LEVELS = (1, 2, 4, 8, 16, 32, 64, 128)
P99_TARGET_MS = 200
STALL_MS = 5000  # an answer slower than this under overload is a stall (the pool's timeout)
SHED_AT_ONCE_MS = 100  # a refusal is answered at once: before the request waits for anything
TIMEOUT_S = 15  # a client gives up: counted as an error
CLIENTS = 4  # client processes
MAX_WAIT_S = 2.0  # the longest Retry-After a caller honours


@dataclass
class Step:
    label: str
    users: int
    seconds: float
    results: list[load_mix.Result]
    cpu: cpu_use.Use | None = None  # spent during the step (None: not measured)
    clients_cpu: float = 0.0  # CPU seconds of the client processes

    def ok(self, *ops: str) -> list[load_mix.Result]:
        return [r for r in self.results if not r.error and not r.shed and (not ops or r.op in ops)]

    @property
    def errors(self) -> list[load_mix.Result]:
        return [r for r in self.results if r.error]

    @property
    def shed(self) -> list[load_mix.Result]:
        return [r for r in self.results if r.shed]

    @property
    def throughput(self) -> float:
        return len(self.ok()) / self.seconds


def percentile(values: list[float], p: float) -> float:
    """Nearest rank; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- the load ------------------------------------------------------------------------------


async def _caller(
    client: httpx.AsyncClient,
    plan: load_mix.Plan,
    mix: list[tuple[load_mix.Operation, int]],
    seed: int,
    until: float,
    interval: float,
    sink: list[load_mix.Result],
) -> None:
    """One caller: an operation, then the next at once (or at its next paced time); after a
    refusal, the next one after its `Retry-After`."""
    rng = random.Random(seed)
    operations, weights = zip(*mix, strict=True)
    loop = asyncio.get_running_loop()
    next_at = loop.time() + rng.random() * interval
    while loop.time() < until:
        if interval:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += interval
            if loop.time() >= until:
                break
        operation = rng.choices(operations, weights)[0]
        results = await operation(client, plan, rng)
        sink.extend(results)
        if results and results[-1].shed:  # as the API asks of clients: wait, then go on
            await asyncio.sleep(min(results[-1].retry_after, MAX_WAIT_S))


@dataclass
class Share:
    """The callers one client process runs: `first` numbers them, `rate` 0 is unpaced."""

    base: str
    plan: load_mix.Plan
    mix: list[tuple[load_mix.Operation, int]]
    first: int
    users: int
    start_at: float  # time.time(): every process starts and stops together
    seconds: float
    rate: float


async def _run(share: Share) -> tuple[float, list[load_mix.Result]]:
    # Idle connections expire before uvicorn's keep-alive (5 s) closes them: else a request sent
    # on one the server is closing fails without an answer, and the client would be measured.
    limits = httpx.Limits(max_connections=share.users, keepalive_expiry=2)
    results: list[load_mix.Result] = []
    interval = share.users / share.rate if share.rate else 0.0
    async with httpx.AsyncClient(base_url=share.base, timeout=TIMEOUT_S, limits=limits) as client:
        # A new process's first request costs the client 100 to 400 ms of its own start (lazy
        # imports and set-up of httpx's machinery): spent before the step, not counted in its
        # first answers. Any answer will do, 404 included (the bare endpoint has no /healthz).
        with contextlib.suppress(httpx.HTTPError):
            await client.get("/healthz")
        await asyncio.sleep(max(0.0, share.start_at - time.time()))
        until = asyncio.get_running_loop().time() + share.seconds
        callers = [
            _caller(client, share.plan, share.mix, share.first + i, until, interval, results)
            for i in range(share.users)
        ]
        await asyncio.gather(*callers)
    return time.time(), results


def _run_share(share: Share) -> tuple[float, list[load_mix.Result], float]:
    """The share's end, its results and the CPU seconds its process spent."""
    start = time.process_time()
    end, results = asyncio.run(_run(share))
    return end, results, time.process_time() - start


def step(
    label: str,
    base: str,
    plan: load_mix.Plan,
    mix: list[tuple[load_mix.Operation, int]],
    users: int,
    seconds: float,
    rate: float = 0,
) -> Step:
    """`users` callers for `seconds`, spread over up to CLIENTS processes: one asyncio process
    with many connections measures itself (httpx's pool) more than the server."""
    processes = min(users, CLIENTS)
    start_at = time.time() + 1.0
    counts = [users // processes + (k < users % processes) for k in range(processes)]
    shares = [
        Share(
            base, plan, mix, users * 1000 + sum(counts[:k]), n, start_at, seconds, rate * n / users
        )
        for k, n in enumerate(counts)
    ]
    server = load_setup.SERVERS.get(base)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        before = cpu_use.snapshot(server)
        outcomes = pool.map(_run_share, shares)
        after = cpu_use.snapshot(server)
    results = [r for _, part, _ in outcomes for r in part]
    seconds = max(end for end, _, _ in outcomes) - start_at
    cpu = after - before if after and before else None
    return Step(label, users, seconds, results, cpu, sum(used for _, _, used in outcomes))


def ramp(
    base: str, plan: load_mix.Plan, mix: list[tuple[load_mix.Operation, int]], seconds: float
) -> tuple[list[Step], Step]:
    """Double the callers until two steps in a row add less than 5 %, or a step has errors or
    refusals: what is sustained is served in full."""
    steps: list[Step] = []
    best: Step | None = None
    flat = 0
    for users in LEVELS:
        current = step(f"ramp {users}", base, plan, mix, users, seconds)
        steps.append(current)
        print_line(current)
        if current.errors or current.shed:
            break
        if best is None or current.throughput > best.throughput * 1.05:
            best, flat = current, 0
        else:
            flat += 1
            if flat == 2:
                break
    if best is None:
        sys.exit("the first step had errors or refusals: see the lines above")
    return steps, best


# --- the report ----------------------------------------------------------------------------

HEAD = f"{'step / operation':<26}{'users':>6}{'ops/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
HEAD += f"{'p99 ms':>9}{'max ms':>9}{'ok':>7}{'shed':>6}{'errors':>7}"


def print_line(s: Step, op: str | None = None) -> None:
    picked = [r for r in s.results if op is None or r.op == op]
    ok = [r.ms for r in picked if not r.error and not r.shed]
    shed = sum(r.shed for r in picked)
    errors = sum(bool(r.error) for r in picked)
    name = f"  {op}" if op else s.label
    figures = [percentile(ok, p) for p in (50, 95, 99)] + [max(ok, default=math.nan)]
    print(
        f"{name:<26}{'' if op else s.users:>6}{len(ok) / s.seconds:>9.1f}"
        + "".join(f"{f:>9.1f}" for f in figures)
        + f"{len(ok):>7}{shed:>6}{errors:>7}",
        flush=True,
    )


def print_step(s: Step) -> None:
    print_line(s)
    for op in sorted({r.op for r in s.results}):
        print_line(s, op)
    if s.shed:
        shed = [r.ms for r in s.shed]
        figures = ", ".join(f"p{p} {percentile(shed, p):.1f} ms" for p in (50, 95, 99))
        print(f"  shed: {len(shed)} answers, {figures}, max {max(shed):.1f} ms")
    for message, count in Counter(r.error for r in s.errors).most_common(3):
        print(f"    {count} x {message}")
    print(f"  {cpu_line(s)}")


def cpu_per_operation(s: Step) -> dict[str, float] | None:
    """Milliseconds of CPU per operation served: the server's, PostgreSQL's, the clients';
    None when not measured or nothing was served."""
    served = len(s.ok())
    if s.cpu is None or s.cpu.total <= 0 or not served:
        return None
    per = {"server": s.cpu.server, "PostgreSQL": s.cpu.postgres, "clients": s.clients_cpu}
    return {name: 1000 * seconds / served for name, seconds in per.items()}


def cpu_line(s: Step) -> str:
    """The CPU the step cost per operation served, by whom; the machine's use of its cores."""
    if s.cpu is None or s.cpu.total <= 0:
        return "CPU not measured (no /proc)"
    per = cpu_per_operation(s)
    if per is None:
        return "CPU per operation served: none served"
    figures = ", ".join(f"{name} {ms:.1f} ms" for name, ms in per.items())
    busy = 100 * s.cpu.busy / s.cpu.total
    return f"CPU per operation served: {figures}; the machine {busy:.0f} % busy"


def bound_line(best: Step, ceiling: Step) -> str | None:
    """What the ratio can reach on this machine, the clients and PostgreSQL sharing its cores
    with the server: about the ceiling's CPU per operation over the mix's (all processes); and
    the service's own CPU per operation against the bare endpoint's, which moves with the code
    rather than with the machine."""
    mix, bare = cpu_per_operation(best), cpu_per_operation(ceiling)
    if mix is None or bare is None:
        return None
    at_zero = sum(bare.values()) / (mix["PostgreSQL"] + mix["clients"])
    return (
        f"CPU per operation, all processes: ceiling {sum(bare.values()):.1f} ms, service "
        f"{sum(mix.values()):.1f} ms: ratio bound {sum(bare.values()) / sum(mix.values()):.2f} "
        f"({at_zero:.2f} if the server took no CPU); the server's own: "
        f"{mix['server'] / bare['server']:.1f}x the bare endpoint's"
    )


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def under_pressure(name: str, s: Step, best: Step) -> list[tuple[str, bool]]:
    """An unpaced step past the sustained concurrency: refused properly and at once, or served."""
    answered = [r.ms for r in s.results if r.status]
    shed_ms = [r.ms for r in s.shed]
    return [
        (f"{name}: refusals are 503/429 problem+json only", not s.errors),
        (
            f"{name}: refusals at once (p99 < {SHED_AT_ONCE_MS} ms)",
            not shed_ms or percentile(shed_ms, 99) < SHED_AT_ONCE_MS,
        ),
        (
            f"{name}: no stall (every answer < {STALL_MS} ms)",
            bool(answered) and max(answered) < STALL_MS,
        ),
        (
            f"{name}: no collapse (served >= half the maximum)",
            s.throughput >= best.throughput / 2,
        ),
    ]


def judge(
    best: Step, half: Step, overload: Step, flood: Step, recovery: Step
) -> list[tuple[str, bool]]:
    def under_target(s: Step, ops: tuple[str, ...]) -> bool:
        """Every operation's p99 under the target (one not seen in the step is not judged)."""
        p99s = [percentile([r.ms for r in s.ok(op)], 99) for op in ops if s.ok(op)]
        return bool(p99s) and max(p99s) < P99_TARGET_MS

    return [
        ("half load: no error", not half.errors),
        (
            f"half load: p99 < {P99_TARGET_MS} ms, every read",
            under_target(half, load_mix.READS),
        ),
        (
            f"half load: p99 < {P99_TARGET_MS} ms, every single write",
            under_target(half, load_mix.SINGLE_WRITES),
        ),
        *under_pressure("overload", overload, best),
        ("flood: load is shed (some 503/429 refusals)", bool(flood.shed)),
        *under_pressure("flood", flood, best),
        ("recovery: no error and nothing shed, at once", not recovery.errors and not recovery.shed),
    ]


def run(url: str, plan: load_mix.Plan, args: argparse.Namespace, log: Path) -> None:
    print(f"\nceiling: a bare FastAPI endpoint, one primary-key read, {args.workers} workers")
    print(HEAD)
    probe = f"/periods/{plan.period_ids[0]}"
    with load_setup.serve(load_setup.ceiling_command(args.workers), url, probe, log) as base:
        step("warm-up", base, plan, load_mix.CEILING_MIX, 4, 2)
        _, ceiling = ramp(base, plan, load_mix.CEILING_MIX, args.step_seconds)
    print(f"\nservice: ehp-api serve, {args.workers} workers, the mixed workload")
    print(HEAD)
    with load_setup.serve(load_setup.service_command(args.workers), url, "/readyz", log) as base:
        step("warm-up", base, plan, load_mix.SERVICE_MIX, 4, 3)
        _, best = ramp(base, plan, load_mix.SERVICE_MIX, args.step_seconds)
        users, rate = best.users, best.throughput / 2
        print(f"\nmaximum sustained: {best.throughput:.1f} ops/s with {users} callers")
        print(HEAD)
        mix = load_mix.SERVICE_MIX
        half = step(f"half load {rate:.0f}/s", base, plan, mix, users, args.measure_seconds, rate)
        print_step(half)
        overload = step("overload (4x)", base, plan, mix, 4 * users, args.measure_seconds / 2)
        print_step(overload)
        crowd = args.flood or 2 * args.workers * Settings().in_flight_limit
        flood = step(f"flood ({crowd})", base, plan, mix, crowd, args.measure_seconds / 2)
        print_step(flood)
        recovery = step(
            f"recovery {rate:.0f}/s", base, plan, mix, users, args.measure_seconds / 2, rate
        )
        print_step(recovery)
    report(best, ceiling, half, overload, flood, recovery)


def report(
    best: Step, ceiling: Step, half: Step, overload: Step, flood: Step, recovery: Step
) -> None:
    print(
        f"\nmaximum throughput: service {best.throughput:.1f} ops/s ({best.users} callers), "
        f"ceiling {ceiling.throughput:.1f} ops/s ({ceiling.users} callers): "
        f"ratio {best.throughput / ceiling.throughput:.2f}"
    )
    for name, s in (("service", best), ("ceiling", ceiling)):
        print(f"{name}'s step: {cpu_line(s)}")
    bound = bound_line(best, ceiling)
    if bound is not None:
        print(bound)
    service_p50 = percentile([r.ms for r in best.ok()], 50)
    ceiling_p50 = percentile([r.ms for r in ceiling.ok()], 50)
    print(
        f"p50 at those steps: service {service_p50:.1f} ms, ceiling {ceiling_p50:.1f} ms: "
        f"ratio {service_p50 / ceiling_p50:.1f}"
    )
    for s in (overload, flood):
        shed = Counter(r.status for r in s.shed)
        print(f"{s.label}: {len(s.shed)} shed ({dict(shed)}), {len(s.ok())} served")
    for label, passed in judge(best, half, overload, flood, recovery):
        print(f"{label:<58}{verdict(passed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--step-seconds", type=float, default=5)
    parser.add_argument("--measure-seconds", type=float, default=20)
    parser.add_argument("--rows", type=int, default=100_000, help="readings of the volume")
    parser.add_argument(
        "--flood", type=int, help="callers of the flood step (default: 2 x workers x in-flight)"
    )
    parser.add_argument("--url", help="reuse a database this script kept (--keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database; print its URL")
    args = parser.parse_args()
    url = args.url or load_setup.create_database()
    log = Path(tempfile.mkdtemp(prefix="ehp-load-")) / "servers.log"
    try:
        start = time.perf_counter()
        if not args.url:
            load_setup.prepare(url, args.rows)
        plan = load_setup.plan_of(url)
        print(f"database {url.rsplit('/', 1)[1]} ready in {time.perf_counter() - start:.1f} s")
        run(url, plan, args, log)
    finally:
        if args.keep:
            print(f"kept: EHP_DATABASE_URL={url}")
        elif not args.url:
            volume.drop(url)
        print(f"servers' output: {log}")


if __name__ == "__main__":
    main()
