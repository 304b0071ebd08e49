"""Faults with real processes: PostgreSQL restarted under traffic, the server killed in the middle
of a 10,000-reading atomic batch, a client that drops the connection and retries.

.venv/bin/python benchmarks/faults.py [restart|kill|drop|all] [--port 55432] [--outage 3]

Runs a private PostgreSQL cluster (initdb into a temporary directory, its own port, trust auth;
as root the cluster runs as the `postgres` user), migrates and seeds it, and serves the API with
`ehp-api serve --workers 2` in a subprocess of its own process group. Each scenario prints what
it did and PASS or FAIL for each check; the exit status is 1 if any check failed. The cluster and
its directory are removed at the end.
"""

import argparse
import sys
import time

import fault_batches
import fault_restart
from fault_rig import Cluster, Report, build_world, say


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", nargs="?", default="all", choices=["restart", "kill", "drop", "all"]
    )
    parser.add_argument("--port", type=int, default=55432, help="the private cluster's port")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL stays down")
    args = parser.parse_args()
    report = Report()
    cluster = Cluster(args.port)
    began = time.monotonic()
    try:
        world = build_world(cluster, ["restart", "kill", *fault_batches.DROPS])
        say(f"private PostgreSQL on port {args.port} in {cluster.dir}, migrated and seeded")
        if args.scenario in ("restart", "all"):
            fault_restart.restart(world, report, args.outage)
        if args.scenario in ("kill", "all"):
            fault_batches.kill(world, report)
        if args.scenario in ("drop", "all"):
            fault_batches.drop(world, report)
        world.admin.dispose()
    finally:
        cluster.remove()
    verdict = "FAIL" if report.failures else "PASS"
    print(
        f"\n{verdict}: {len(report.failures)} failed check(s) in {time.monotonic() - began:.0f} s"
    )
    for failure in report.failures:
        print(f"  failed: {failure}")
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
