"""Every table is in the registry, engines are made only through it, and imports form no circle:
the structure that keeps the CLI from meeting an unmapped class in a fresh process."""

import ast
import importlib
import pkgutil
from pathlib import Path

from sqlmodel import SQLModel

import ehp_api
from ehp_api import models

SRC = Path(ehp_api.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Modules of the package that a module imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                names.add(child if child in known else node.module)
    return {name for name in names if name in known}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_modules_of_the_package_import_each_other_in_no_circle() -> None:
    known = _modules()
    graph = {name: _imports(path, known) - {name} for name, path in known.items()}
    assert _cycle(graph) is None


def test_every_table_class_is_in_the_registry() -> None:
    for info in pkgutil.walk_packages(ehp_api.__path__, "ehp_api."):
        importlib.import_module(info.name)
    tables = {
        mapper.class_.__name__
        for mapper in SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
        if mapper.class_.__module__.startswith("ehp_api.")
    }
    assert tables <= set(models.__all__), tables - set(models.__all__)


def test_engines_are_made_only_by_the_registry() -> None:
    """A module that made its own engine could run a query before the registry is imported."""
    makers = {"create_engine", "create_db_engine"}
    offenders = []
    for name, path in _modules().items():
        if name in {"ehp_api.models", "ehp_api.core.db"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in makers:
                    offenders.append(f"{name}:{node.lineno}")
    assert not offenders
