"""Mutation testing of the modules that hold the rules, each against only the tests that reach it.

`make mutate` (every target, every mutant), `make mutate TARGETS="complaints alerts"` (some),
`make mutate EVERY=20` (one mutant in 20, a fixed sample, as CI runs it). It prints a score per
module and lists the survivors; it exits non-zero when a module scores below FLOOR.

mutmut reads its settings from the `pyproject.toml` of the directory it runs in, one test
selection for the whole run; so that each module runs only against its own tests, every module gets
a working directory of its own under `.mutmut/` (its `pyproject.toml` is ours plus a `[tool.mutmut]`
table written from TARGETS; `src`, `tests`, `migrations`, `seed`, `docs` and the README are links
to ours). mutmut then records which of those tests reach each function and runs each mutant against
those alone. Results are kept there between runs: a mutant already judged is not run again until
its code changes (`rm -r .mutmut` starts afresh).
"""

import argparse
import fnmatch
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutmut"
MUTMUT = Path(sys.executable).with_name("mutmut")
FLOOR = 90.0
# Fixed samples, the same on every run, spread over every function: one mutant in N, chosen by
# the last digits of mutmut's numbering of each function's mutants.
SAMPLES = {1: "*", 5: "*[05]", 10: "*0", 20: "*[02468]0"}


@dataclass(frozen=True)
class Target:
    files: tuple[str, ...]  # mutated whole (globs from the repository root), sampled by EVERY
    tests: tuple[str, ...]  # the tests that reach it
    # Single functions of other files, (file, mutmut's name of the function), every mutant of
    # each whatever EVERY says: one function has fewer mutants than a sample takes (the one-in-20
    # sample takes each function's mutants 20, 40...). They share the target's first pass.
    functions: tuple[tuple[str, str], ...] = ()
    sampled: bool = True  # False: small files, every mutant runs
    # Files of few mutants per function (the one-in-20 sample takes none of them), every mutant of
    # each whatever EVERY says; they share the target's first pass.
    whole: tuple[str, ...] = ()


# The one table to re-point when a file moves. A target's files share one recording of which of
# its tests reach which function; scores are per file. Functions are mutmut's names: `x_<name>` for
# a module function, `x<Class>ǁ<method>` for a method.
TARGETS: dict[str, Target] = {
    # aggregation
    "progress": Target(
        ("src/ehp_api/progress/*.py",), ("tests/progress", "tests/indicators", "tests/dashboard")
    ),
    # reading validation, and which readings each caller sees
    "readings": Target(
        ("src/ehp_api/readings/validation.py",),
        ("tests/readings",),
        (("src/ehp_api/readings/policy.py", "x_visible_to"),),
    ),
    # the complaint workflow; who sees which complaint and its identity; audit masking
    "complaints": Target(
        (
            "src/ehp_api/complaints/workflow.py",
            "src/ehp_api/audit/service.py",
            "src/ehp_api/audit/render.py",
            "src/ehp_api/audit/policy.py",
        ),
        ("tests/complaints", "tests/audit"),
        whole=(
            "src/ehp_api/complaints/policy.py",
            "src/ehp_api/complaints/identity.py",
            "src/ehp_api/core/sealing.py",  # the keyring that seals identities
        ),
    ),
    # the two alert workflows, and which alerts each caller sees. The state machine's test
    # mutates the tables itself (mutmut leaves module-level tables alone); its 145 cases reach
    # every step and would run for each mutant of it (minutes a mutant): left out here.
    "alerts": Target(
        ("src/ehp_api/alerts/workflow.py",),
        ("tests/alerts", "--ignore=tests/alerts/test_state_machine.py"),
        tuple(
            ("src/ehp_api/alerts/policy.py", f"x_{name}")
            for name in ("visible_to", "sees_everything", "reviews", "sees_sources")
        ),
    ),
    # roles, permissions and the caller's identity
    "permissions": Target(
        ("src/ehp_api/core/permissions.py", "src/ehp_api/core/principal.py"),
        ("tests/test_permissions.py", "tests/access", "tests/audit"),
        sampled=False,
    ),
}
# What the tests read besides the code (tests/test_permissions.py reads docs/access.md's tables).
LINKED = ("src", "tests", "migrations", "seed", "docs", "README.md")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
NOT_RUN = {"not checked", "skipped"}


def module_name(path: str) -> str:
    """mutmut's dotted module name for a file (src/ehp_api/x.py -> ehp_api.x)."""
    return ".".join((ROOT / path).relative_to(ROOT / "src").with_suffix("").parts)


def patterns(target: Target, every: int) -> list[str]:
    paths = sorted({p for pattern in target.files for p in ROOT.glob(pattern)})
    sample = SAMPLES[every if target.sampled else 1]
    return [
        *(f"{module_name(str(p.relative_to(ROOT)))}.*__mutmut_{sample}" for p in paths),
        *(f"{module_name(path)}.{function}__mutmut_*" for path, function in target.functions),
        *(f"{module_name(path)}.*__mutmut_*" for path in target.whole),
    ]


def prepare(name: str, target: Target) -> Path:
    workdir = WORK / name
    workdir.mkdir(parents=True, exist_ok=True)
    for link in LINKED:
        if not (workdir / link).is_symlink():
            (workdir / link).symlink_to(ROOT / link)
    settings = {
        "source_paths": ["src"],
        "only_mutate": [*target.files, *(path for path, _ in target.functions), *target.whole],
        "also_copy": ["migrations", "seed", "alembic.ini", "docs", "README.md"],
        "pytest_add_cli_args_test_selection": list(target.tests),
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
    }
    # mutmut's first pass is incremental: it records again only the tests of functions whose
    # code changed, so a function new to the target and reached through unchanged callers would
    # be "no tests". A new list of files starts the recording afresh (the judged mutants are
    # kept); code moved between files already listed needs `rm .mutmut/<target>/mutants/
    # mutmut-stats.json` (docs/mutation.md).
    listed = workdir / "mutated-files.json"
    files = json.dumps(settings["only_mutate"])
    if not listed.exists() or listed.read_text(encoding="utf-8") != files:
        (workdir / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        listed.write_text(files, encoding="utf-8")
    table = "\n".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (workdir / "pyproject.toml").write_text(f"{config}\n[tool.mutmut]\n{table}\n", "utf-8")
    shutil.copy2(ROOT / "alembic.ini", workdir / "alembic.ini")
    return workdir


def run(name: str, target: Target, every: int, children: int) -> dict[str, str]:
    """Run the target's mutants; return the status of each of them that was judged."""
    workdir = prepare(name, target)
    wanted = patterns(target, every)
    command = [str(MUTMUT), "run", "--max-children", str(children), *wanted]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:  # mutmut says why on stdout (a failing test of its first pass, say)
        print(done.stdout[-6000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise subprocess.CalledProcessError(done.returncode, command)
    listing = subprocess.run(  # noqa: S603
        [str(MUTMUT), "results", "--all", "true"],
        cwd=workdir, check=True, capture_output=True, text=True,
    )  # fmt: skip
    statuses = {}
    for line in listing.stdout.splitlines():
        key, _, status = line.strip().rpartition(": ")
        if any(fnmatch.fnmatch(key, p) for p in wanted) and status not in NOT_RUN:
            statuses[key] = status
    return statuses


def report(statuses: dict[str, str], floor: float) -> list[str]:
    """Print a score per module and its survivors; return the modules below the floor."""
    by_module: dict[str, dict[str, str]] = {}
    for key, status in statuses.items():
        by_module.setdefault(key.rsplit(".", 1)[0], {})[key] = status
    below = []
    for module, judged in sorted(by_module.items()):
        killed = sum(status in KILLED for status in judged.values())
        score = 100.0 * killed / len(judged)
        print(f"{module:34} {killed:4} / {len(judged):4}  {score:5.1f} %", flush=True)
        for key, status in sorted(judged.items()):
            if status not in KILLED:
                print(f"    {status:9} {key.rsplit('.', 1)[1]}")
        if score < floor:
            below.append(module)
    return below


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(TARGETS))
    parser.add_argument("--every", type=int, choices=sorted(SAMPLES), default=1,
                        help="run one mutant in EVERY (a fixed sample)")  # fmt: skip
    parser.add_argument("--children", type=int, default=1, help="mutants run at once")
    parser.add_argument("--floor", type=float, default=FLOOR, help="fail below this score")
    args = parser.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    below = []
    for name in args.targets or TARGETS:
        started = time.monotonic()
        statuses = run(name, TARGETS[name], args.every, args.children)
        print(f"# {name}: {time.monotonic() - started:.0f} s")
        below += report(statuses, args.floor)
    if below:
        print(f"below the floor of {args.floor:.0f} %: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
