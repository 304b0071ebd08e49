"""Mutation testing of the modules that hold the rules, each against only the tests that reach it.

`make mutate` (every module, every mutant), `make mutate MODULES="workflows audit"` (some),
`make mutate SAMPLE=1` (the fixed sample CI runs, and a non-zero exit below FLOOR).

mutmut reads its settings from the `pyproject.toml` of the directory it runs in, one test
selection for the whole run; so that each module runs only against its own tests, every module gets
a working directory of its own under `.mutmut/` (its `pyproject.toml` is ours plus a `[tool.mutmut]`
table written from TARGETS; `src`, `tests`, `migrations` and `seed` are links to ours). mutmut then
records which of those tests reach each function and runs each mutant against those alone. Its
results are kept there between runs: a mutant already judged is not run again until its code changes.
"""

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutmut"
MUTMUT = Path(sys.executable).with_name("mutmut")
FLOOR = 90.0
# A fixed sample, the same on every run: the mutants whose number ends in 0 or 5 (a fifth of
# each function's mutants, spread over every function).
SAMPLE = "__mutmut_*[05]"


@dataclass(frozen=True)
class Target:
    files: tuple[str, ...]  # what mutmut mutates (globs from the repository root)
    tests: tuple[str, ...]  # the tests that reach it
    functions: tuple[str, ...] = ("*",)  # which functions of those files count (mutmut names)


# The one table to re-point when a file moves. Functions are mutmut's names: `x_<function>` for
# a module function, `x<Class>ǁ<method>` for a method.
TARGETS: dict[str, Target] = {
    "aggregation": Target(
        ("src/ehp_api/progress/*.py",), ("tests/progress", "tests/indicators", "tests/dashboard")
    ),
    "reading-validation": Target(("src/ehp_api/readings/rules.py",), ("tests/readings",)),
    "alert-workflow": Target(("src/ehp_api/alerts/workflow.py",), ("tests/alerts",)),
    "complaint-workflow": Target(("src/ehp_api/complaints/workflow.py",), ("tests/complaints",)),
    "complaint-visibility": Target(
        ("src/ehp_api/complaints/rules.py", "src/ehp_api/complaints/identity.py"),
        ("tests/complaints", "tests/audit"),
    ),
    "alert-visibility": Target(
        ("src/ehp_api/alerts/service.py",), ("tests/alerts",), ("x_visible_to",)
    ),
    "reading-visibility": Target(
        ("src/ehp_api/readings/service.py",), ("tests/readings",), ("x_visible_to",)
    ),
    "permissions": Target(
        ("src/ehp_api/access/permissions.py", "src/ehp_api/principal.py"),
        ("tests/test_permissions.py", "tests/access", "tests/audit"),
    ),
    "audit-masking": Target(("src/ehp_api/audit/service.py",), ("tests/audit", "tests/complaints")),
}
LINKED = ("src", "tests", "migrations", "seed")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
NOT_RUN = {"not checked", "skipped"}


def module_names(target: Target) -> list[str]:
    """mutmut's dotted module names for the target's files (src/ehp_api/x.py -> ehp_api.x)."""
    paths = sorted({p for pattern in target.files for p in ROOT.glob(pattern)})
    return [".".join(p.relative_to(ROOT / "src").with_suffix("").parts) for p in paths]


def patterns(target: Target, sample: bool) -> list[str]:
    suffix = SAMPLE if sample else "__mutmut_*"
    return [
        f"{module}.{function}{suffix}"
        for module in module_names(target)
        for function in target.functions
    ]


def prepare(name: str, target: Target) -> Path:
    workdir = WORK / name
    workdir.mkdir(parents=True, exist_ok=True)
    for link in LINKED:
        if not (workdir / link).is_symlink():
            (workdir / link).symlink_to(ROOT / link)
    settings = {
        "source_paths": ["src"],
        "only_mutate": list(target.files),
        "also_copy": ["migrations", "seed", "alembic.ini"],
        "pytest_add_cli_args_test_selection": list(target.tests),
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
    }
    table = "\n".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (workdir / "pyproject.toml").write_text(f"{config}\n[tool.mutmut]\n{table}\n", "utf-8")
    shutil.copy2(ROOT / "alembic.ini", workdir / "alembic.ini")
    return workdir


def run(name: str, target: Target, sample: bool, children: int) -> dict[str, str]:
    """Run the target's mutants; return the status of each of them that was judged."""
    workdir = prepare(name, target)
    wanted = patterns(target, sample)
    command = [str(MUTMUT), "run", "--max-children", str(children), *wanted]
    subprocess.run(command, cwd=workdir, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
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


def report(name: str, statuses: dict[str, str]) -> float:
    killed = sum(status in KILLED for status in statuses.values())
    score = 100.0 * killed / len(statuses) if statuses else 100.0
    print(f"{name:22} {killed:4} / {len(statuses):4}  {score:5.1f} %", flush=True)
    for key, status in sorted(statuses.items()):
        if status not in KILLED:
            print(f"    {status:9} {key}")
    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", choices=[[], *TARGETS], default=[])
    parser.add_argument("--sample", action="store_true", help="the fixed sample, not every mutant")
    parser.add_argument("--children", type=int, default=1, help="mutants run at once")
    parser.add_argument("--floor", type=float, default=FLOOR, help="fail below this score")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    below = []
    for name in args.modules or TARGETS:
        score = report(name, run(name, TARGETS[name], args.sample, args.children))
        if score < args.floor:
            below.append(name)
    if below:
        print(f"below the floor of {args.floor:.0f} %: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
