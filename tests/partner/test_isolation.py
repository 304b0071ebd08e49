"""The partner kit installs alone: it imports nothing of the server, and only what its
pyproject.toml declares (httpx, openpyxl, typer) beside the standard library."""

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KIT = REPO / "partner"
DECLARED = {"httpx", "openpyxl", "typer"}
SERVER = {"ehp_api", "fastapi", "starlette", "sqlmodel", "sqlalchemy", "alembic", "pydantic",
          "uvicorn", "psycopg", "babel", "pydantic_settings", "structlog"}  # fmt: skip


def test_the_kit_declares_only_its_three_libraries() -> None:
    project = tomllib.loads((KIT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {d.split(">")[0].split("<")[0].split("=")[0].strip() for d in project["dependencies"]}
    assert names == DECLARED
    assert project["requires-python"] == ">=3.11"


def test_every_import_of_the_kit_is_the_standard_library_itself_or_declared() -> None:
    imported: set[str] = set()
    for path in (KIT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    foreign = imported - set(sys.stdlib_module_names) - DECLARED - {"ehp_partner"}
    assert foreign == set()
    assert imported >= DECLARED  # the walk did read the kit


def test_importing_the_kit_loads_no_server_library() -> None:
    """In a fresh interpreter that sees the kit's folder and not the server's `src/`."""
    script = (
        "import json, sys\n"
        "import ehp_partner, ehp_partner.cli, ehp_partner.push, ehp_partner.files\n"
        "print(json.dumps([ehp_partner.__file__, sorted(sys.modules)]))\n"
    )
    env = {"PYTHONPATH": str(KIT / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    location, modules = json.loads(done.stdout)
    assert Path(location).is_relative_to(KIT / "src")
    loaded = {name.split(".")[0] for name in modules}
    assert loaded & SERVER == set()
    assert {"ehp_partner", "httpx", "openpyxl", "typer"} <= loaded
