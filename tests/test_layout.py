"""The package's layout: plumbing in two wings, registries at the top, no import running back up.

The import graph is read from the source with `ast` (no module is imported): every `import` and
`from ... import` of `ehp_api`, relative ones resolved, those inside functions counted too; only
the blocks under `if TYPE_CHECKING:` are left out, since they never run.

- `core/` (settings, database, errors, principal, ...) imports nothing of `web/`, of a domain or
  of the registries; `web/` (middleware, idempotency, OpenAPI, ...) may import `core/`, never a
  domain or a registry; a domain never imports a registry (`api`, `main`, `models`, `seeds`,
  `cli`): the registries name the domains, not the other way round.
- No module imports itself back, however long the way round.
- No circle between domains either: the domains import one another in one direction only (the
  audit log at the bottom, which every domain records to; access above organisations, whose
  users and keys belong to one; the figures and the views that show them at the top).
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ehp_api"
TOP_FILES = {"__init__.py", "main.py", "api.py", "models.py", "seeds.py"}
REGISTRIES = {"api", "main", "models", "seeds", "cli"}
WINGS = {"core", "web"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, package: str) -> Iterator[str]:
    """Every dotted name `node` imports (`from m import n`: `m.n`, and `m`, which runs first)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _imports_of(other, package)
            continue
        yield from _imports_of(child, package)


def _imports_of(node: ast.AST, package: str) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
        yield base
        yield from (f"{base}.{alias.name}" for alias in node.names)
    yield from _imports(node, package)


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of `ehp_api` it imports (a package's `__init__` under its name)."""
    sources = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in sources.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for dotted in _imports(ast.parse(path.read_text(encoding="utf-8")), package):
            if dotted.split(".")[0] != "ehp_api":
                continue
            # `from m import n` names a module when n is one, else something inside m
            while dotted not in sources:
                dotted = dotted.rpartition(".")[0]
            imported.add(dotted)
        imported.discard(name)
        graph[name] = imported
    return graph


def area(module: str) -> str:
    """`core`, `web`, a registry, a domain's name, or `` for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def domains() -> set[str]:
    return {
        path.name
        for path in PACKAGE.iterdir()
        if (path / "__init__.py").exists() and path.name not in WINGS | REGISTRIES
    }


def edges_across(graph: dict[str, set[str]]) -> Iterator[tuple[str, str, str, str]]:
    """(module, imported, module's area, imported's area) for every import."""
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            yield module, target, area(module), area(target)


def domain_graph() -> dict[str, set[str]]:
    """Domain -> the other domains it imports."""
    names = domains()
    between: dict[str, set[str]] = {name: set() for name in names}
    for _, _, source, dest in edges_across(GRAPH):
        if source in names and dest in names and source != dest:
            between[source].add(dest)
    return between


GRAPH = import_graph()


class TestGraphReader:
    """The reader itself, on the modules it must see (a reader that saw nothing would pass all)."""

    def test_it_reads_the_package(self) -> None:
        assert "ehp_api.api" in GRAPH["ehp_api.main"]
        assert "ehp_api.core.errors" in GRAPH["ehp_api.web.admission"]
        assert len(GRAPH) > 150

    def test_it_reads_relative_and_function_imports_and_skips_type_checking(self) -> None:
        source = """
from typing import TYPE_CHECKING
from . import service
from ..core.db import utcnow
if TYPE_CHECKING:
    from ehp_api.models import Unseen
else:
    from ehp_api.seeds import seen_at_run_time
def later():
    import ehp_api.api
"""
        found = set(_imports(ast.parse(source), "ehp_api.alerts"))
        assert {
            "ehp_api.alerts.service",
            "ehp_api.core.db.utcnow",
            "ehp_api.seeds.seen_at_run_time",
            "ehp_api.api",
        } <= found
        assert not any(name.startswith("ehp_api.models") for name in found)

    def test_it_finds_a_circle(self) -> None:
        graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
        assert cycles(graph) == [{"a", "b", "c"}]
        assert cycles({"a": {"b"}, "b": set()}) == []


class TestTopLevel:
    def test_the_top_holds_only_the_registries_and_packages(self) -> None:
        files = {path.name for path in PACKAGE.glob("*.py")}
        assert files == TOP_FILES
        packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
        assert WINGS | {"cli"} <= packages


class TestImportsRunDown:
    def test_core_imports_no_web_domain_or_registry(self) -> None:
        upward = [
            f"{module} -> {target}"
            for module, target, source, dest in edges_across(GRAPH)
            if source == "core" and dest not in {"core", ""}
        ]
        assert upward == []

    def test_web_imports_no_domain_or_registry(self) -> None:
        upward = [
            f"{module} -> {target}"
            for module, target, source, dest in edges_across(GRAPH)
            if source == "web" and dest not in {"core", "web", ""}
        ]
        assert upward == []

    @pytest.mark.parametrize("domain", sorted(domains()))
    def test_a_domain_imports_no_registry(self, domain: str) -> None:
        upward = [
            f"{module} -> {target}"
            for module, target, source, dest in edges_across(GRAPH)
            if source == domain and dest in REGISTRIES
        ]
        assert upward == []


class TestNoCircles:
    def test_no_module_imports_itself_back(self) -> None:
        assert cycles(GRAPH) == []

    def test_no_domain_imports_itself_back(self) -> None:
        between = domain_graph()
        assert {"audit", "organisations"} <= between["access"]  # the reader sees domains' imports
        assert cycles(between) == []


# One kernel per domain, one meaning per file name (CONTRIBUTING, "A domain's files"). A module
# of a domain, or of its sub-package, bears one of these names or one listed for the domain below.
KERNEL = {
    "__init__",
    "models",  # tables and their enums, nothing an API answers with
    "schemas",  # every request and response shape
    "render",  # records to schemas, set-based
    "policy",  # who sees which rows and fields (`visible_to`), who may do what (`may_*`)
    "deps",  # guards and filter dependencies
    "service",  # the rules: queries and writes
    "router",  # the routes
    "workflow",  # a state machine
    "seed",  # its part of the seed
}
DOMAIN_MODULES: dict[str, dict[str, str]] = {
    "access": {
        "credentials": "secrets: password hashing, key and token generation, bearer lookup",
        "grants": "who may grant which role (the PSEA focal point role: not the API)",
        "last_use": "an API key's last use, written off the request's transaction",
        "login": "logging in, rate-limited and audited",
        "principal_cache": "who a bearer secret stands for, remembered per worker",
        "refusals": "logins refused by a rate limit, counted and summarised",
    },
    "alerts": {
        "indicators": "the plan's indicators that alerts measure, counted from their timelines",
        "triggers": "trigger rules as data, versioned and evaluated on every alert",
    },
    "complaints": {
        "config_router": "the routes of what the secretariat configures (deadlines, Kobo forms)",
        "deadlines": "referral deadlines by category and sensitivity, and what is overdue",
        "fields": "setting a complaint's fields: the checks that need the database",
        "follow_up": "what a complainant learns with a follow-up code",
        "identity": "complainants' identity sealed at rest, and follow-up codes",
        "indicators": "indicator values counted from complaint records",
        "kobo": "intake of KoboToolbox submissions",
        "kobo_forms": "each Kobo form's mapping to complaint fields, as data",
        "purge": "retention: identity erased once its delay has passed",
        "rotation": "sealed tokens sealed again with the first key, batch by batch",
    },
    "dashboard": {
        "alerts_section": "the alerts section, a fixed number of grouped queries",
        "complaints_section": "the complaints section, counts only",
        "snapshots": "dashboards kept once computed, until the data change",
    },
    "exports": {
        "csv_writer": "CSV files written chunk by chunk",
        "xlsx_writer": "XLSX files written row by row to disk",
        "readings": "the readings an export holds, read in chunks",
        "workplan": "the work plan as a logframe workbook",
    },
    "jobs": {
        "digest": "the daily e-mail of what is overdue, per recipient",
        "tasks": "what each scheduled job does, and the jobs the settings switch on",
    },
    "notifications": {
        "destinations": "where webhooks may go: public addresses, judged again at each delivery",
        "dispatch": "each new event of the outbox made deliveries, to those who may know of it",
        "mail": "e-mail through SMTP: what a message says, and sending it",
        "secrets": "webhook signing secrets sealed at rest with the service's keyring",
        "webhooks": "a delivery signed per Standard Webhooks and POSTed",
        "worker": "the worker process: claims, sends, retries with backoff",
    },
    "progress": {
        "calendar": "the periods a figure covers",
        "combine": "several organisations' figures made one value",
        "computed": "the indicators counted from alerts and complaints, as readings' buckets",
        "figures": "every indicator's figures for a period, a fixed number of queries",
        "grain": "one organisation's figure from its validated readings",
        "kept": "those figures kept at write time (`reading_totals`)",
        "pending": "corrections awaiting review beside the values they would change",
        "plan": "what the rules need of each indicator, read once",
        "points": "an indicator's figures for a period, as every reader gets them",
        "queries": "the kept figures summed over a period's spans",
        "rules": "the aggregation rules as a coordinator reads them",
        "sums": "figures over a period's spans, kept or place by place",
        "values": "an indicator's values over a series of periods",
    },
    "readings": {
        "changes": "announcing changed validated values to what keeps figures",
        "columns": "the columns of a readings file (import, template, export), defined once",
        "lookups": "what a batch is checked against, loaded once per request",
        "review": "changing one reading: edit, delete, validate, reject, reopen",
        "store": "writing prepared readings set-based",
        "validation": "checking one reading against the plan",
        "files": "readings in files: the upload, the templates and their routes",
        "parse": "reading an uploaded CSV or XLSX file (`readings/files/`)",
        "template": "the template to fill in (`readings/files/`)",
    },
    "reports": {
        "charts": "the note's charts, drawn as PNG images",
        "document": "the note written as a Word document, in the request's language",
    },
    "register": {
        "decisions": "decisions and their action points: from a saisine, followed up, overdue",
        "indicators": "the plan's indicators the register answers, counted from its entries",
    },
}
# `.can(` outside policy, deps, access/ and core/, awaiting a move to policy (none left).
AWAITING_CAN: set[str] = set()
# Table modules still holding an API shape, awaiting the same moves.
AWAITING_SCHEMAS: dict[str, set[str]] = {}
CAN_ALLOWED_FILES = {"policy", "deps"}
CAN_ALLOWED_AREAS = {"access", "core"}


def sources() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def domain_modules(domain: str) -> set[str]:
    """The last part of each module name of the domain, sub-packages' modules included."""
    return {path.stem for path in (PACKAGE / domain).rglob("*.py") if path.stem != "__init__"} | {
        path.parent.name for path in (PACKAGE / domain).rglob("*/__init__.py")
    } - {domain}


def _is_router(module: str) -> bool:
    return module.rpartition(".")[2].endswith("router")


def api_shapes(tree: ast.Module) -> list[str]:
    """Classes of a table module that are neither a table, nor an enum, nor a table's base."""
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]

    def is_table(node: ast.ClassDef) -> bool:
        return any(
            k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in node.keywords
        )

    def base_names(node: ast.ClassDef) -> set[str]:
        return {b.id for b in node.bases if isinstance(b, ast.Name)} | {
            b.attr for b in node.bases if isinstance(b, ast.Attribute)
        }

    bases_of_tables = set().union(*(base_names(n) for n in classes if is_table(n)))
    return [
        n.name
        for n in classes
        if not is_table(n)
        and not base_names(n) & {"StrEnum", "IntEnum", "Enum"}
        and n.name not in bases_of_tables
    ]


def can_calls(tree: ast.Module) -> int:
    return sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "can"
    )


class TestKernel:
    @pytest.mark.parametrize("domain", sorted(domains()))
    def test_a_domain_s_files_bear_kernel_names_or_listed_ones(self, domain: str) -> None:
        allowed = KERNEL | set(DOMAIN_MODULES.get(domain, {}))
        assert domain_modules(domain) - allowed == set()

    @pytest.mark.parametrize("domain", sorted(DOMAIN_MODULES))
    def test_a_listed_module_still_exists(self, domain: str) -> None:
        assert set(DOMAIN_MODULES[domain]) <= domain_modules(domain)

    def test_no_router_imports_another_domain_s_router(self) -> None:
        crossing = [
            f"{module} -> {target}"
            for module, target, source, dest in edges_across(GRAPH)
            if _is_router(module) and _is_router(target) and source != dest
        ]
        assert crossing == []

    def test_table_modules_hold_no_api_shape(self) -> None:
        found = {
            module: set(names)
            for module, path in sources().items()
            if module.endswith(".models") and area(module) not in {"", *WINGS}
            if (names := api_shapes(ast.parse(path.read_text(encoding="utf-8"))))
        }
        assert found == AWAITING_SCHEMAS

    def test_only_policy_deps_access_and_core_ask_can(self) -> None:
        asking = {
            module
            for module, path in sources().items()
            if module.rpartition(".")[2] not in CAN_ALLOWED_FILES
            and area(module) not in CAN_ALLOWED_AREAS
            and can_calls(ast.parse(path.read_text(encoding="utf-8")))
        }
        assert asking == AWAITING_CAN

    def test_the_checks_see_what_they_must(self) -> None:
        table_module = ast.parse(
            "class Kind(StrEnum): ...\n"
            "class Base(SQLModel): ...\n"
            "class Row(Base, table=True): ...\n"
            "class RowPublic(Base): ...\n"
        )
        assert api_shapes(table_module) == ["RowPublic"]
        assert can_calls(ast.parse("if principal.can(Permission.x):\n    pass\n")) == 1
        assert domain_modules("readings") >= {"files", "parse", "router", "validation"}
