"""The docker-compose deployment, read as Docker reads it (there is no Docker engine here): the
services of the image start with settings that pass the production check, from the secrets the
deployment section of docs/operations.md tells the operator to create; `migrate` runs what
`make run` runs before serving; and the image puts migrations/ and seed/ where the installed CLI
looks."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from ehp_api.core import migrate, seeding
from ehp_api.core.config import SECRETS_DIR_VARIABLE, Settings, check_production
from tests.e2e.harness import REPO, fenced_blocks

COMPOSE = REPO / "docker-compose.yml"
OPERATIONS = REPO / "docs" / "operations.md"
IMAGE = "ehp-api:latest"
DEPLOYING = "## Deploying with docker-compose"
# Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}.
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<op>[-?])(?P<arg>[^}]*))?\}")


def compose_file() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")))


def image_services() -> dict[str, dict[str, Any]]:
    services = compose_file()["services"]
    return {name: spec for name, spec in services.items() if spec.get("image") == IMAGE}


def interpolate(value: str, shell: dict[str, str]) -> str:
    """A value as compose reads it, with the operator's shell (and .env) variables."""

    def variable(match: re.Match[str]) -> str:
        given = shell.get(match["name"], "")
        if match["op"] == "?" and not given:
            raise ValueError(f"{match['name']}: {match['arg']}")
        return given or (match["arg"] if match["op"] == "-" else "")

    return _VARIABLE.sub(variable, value)


def secret_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Path in the container -> name of the secret, as Docker mounts a service's secrets."""
    mounts = {}
    for entry in service.get("secrets", []):
        long = entry if isinstance(entry, dict) else {"source": entry}
        target = long.get("target", long["source"])
        mounts[target if target.startswith("/") else f"/run/secrets/{target}"] = long["source"]
    return mounts


def container_environment(
    name: str, project: Path, container: Path, *, with_secrets: bool = True
) -> dict[str, str]:
    """The EHP_ environment of a service's container, paths under `container` (its root), and
    its secrets' files copied from the project folder to where Docker mounts them."""
    spec = compose_file()
    service = spec["services"][name]
    env = {key: interpolate(str(value), {}) for key, value in service["environment"].items()}
    if SECRETS_DIR_VARIABLE in env:
        env[SECRETS_DIR_VARIABLE] = str(container / env[SECRETS_DIR_VARIABLE].lstrip("/"))
    if with_secrets:
        for path, secret in secret_mounts(service).items():
            mounted = container / path.lstrip("/")
            mounted.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(project / spec["secrets"][secret]["file"], mounted)
    return env


def settings_in(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings the service reads in that environment (none of the developer's)."""
    for variable in [v for v in os.environ if v.startswith("EHP_")]:
        monkeypatch.delenv(variable)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    return Settings(_env_file=None)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone's top folder in which the operator ran the commands of docs/operations.md that
    make the secrets, as written (the venv is the one running these tests)."""
    folder = tmp_path_factory.mktemp("deploy")
    shutil.copy(COMPOSE, folder / COMPOSE.name)
    (folder / ".venv").symlink_to(Path(sys.prefix))
    source = OPERATIONS.read_text(encoding="utf-8")
    section = source.count("\n", 0, source.index(DEPLOYING)) + 1
    blocks = [b for b in fenced_blocks(OPERATIONS, "console") if b.line > section]
    making = next(b for b in blocks if "secrets/" in b.body)
    subprocess.run(["bash", "-euo", "pipefail", "-c", making.body], cwd=folder, check=True)
    return folder


def read_secret(project: Path, name: str) -> str:
    return (project / compose_file()["secrets"][name]["file"]).read_text().strip()


@pytest.mark.parametrize("service", sorted(image_services()))
def test_the_services_of_the_image_pass_the_production_check(
    service: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_in(container_environment(service, project, tmp_path), monkeypatch)
    check_production(settings)
    assert settings.environment == "production"
    assert settings.encryption_key is not None
    assert settings.encryption_key.get_secret_value() == read_secret(project, "encryption_key")
    url = make_url(settings.database_url)
    assert (url.get_backend_name(), url.host) == ("postgresql", "db")
    assert url.password == read_secret(project, "postgres_password")


def test_without_its_secrets_the_api_is_refused_in_production(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the compose file did before: production settings with no key, a crash loop."""
    env = container_environment("api", project, tmp_path, with_secrets=False)
    with pytest.warns(UserWarning, match="does not exist"):
        settings = settings_in(env, monkeypatch)
    with pytest.raises(RuntimeError, match="EHP_ENCRYPTION_KEY"):
        check_production(settings)


def test_no_secret_is_in_an_environment() -> None:
    """`docker inspect` shows a container's environment: the secrets come as files."""
    secrets = {"EHP_ENCRYPTION_KEY", "EHP_DATABASE_PASSWORD", "POSTGRES_PASSWORD"}
    for name, service in compose_file()["services"].items():
        assert not secrets & set(service.get("environment", {})), name
        assert "env_file" not in service, name
    for service in image_services().values():
        url = interpolate(service["environment"]["EHP_DATABASE_URL"], {})
        assert make_url(url).password is None


def test_the_database_and_the_service_read_the_same_password_file() -> None:
    services = compose_file()["services"]
    db_password = services["db"]["environment"]["POSTGRES_PASSWORD_FILE"]
    api_password = next(
        secret
        for path, secret in secret_mounts(services["api"]).items()
        if path.endswith("/EHP_DATABASE_PASSWORD")
    )
    assert secret_mounts(services["db"])[db_password] == api_password


def make_rules() -> dict[str, tuple[list[str], list[str]]]:
    """Makefile target -> (prerequisites, recipe lines without the venv's path)."""
    rule = re.compile(r"^([\w-]+):(?!=)([^\n]*)\n((?:\t[^\n]*\n)*)", re.MULTILINE)
    return {
        target: (prerequisites.split(), recipe.replace("$(BIN)/", "").strip().splitlines())
        for target, prerequisites, recipe in rule.findall((REPO / "Makefile").read_text())
    }


def test_migrate_runs_what_make_run_runs_before_serving() -> None:
    rules = make_rules()
    run = [step for step in rules["run"][0] if step != "install"]
    assert run[-1] == "serve"
    before_serving = [line.strip() for step in run[:-1] for line in rules[step][1]]
    assert before_serving == ["ehp-api db upgrade", "ehp-api seed"]

    services = compose_file()["services"]
    shell, flag, script = services["migrate"]["command"]
    assert (shell, flag) == ("sh", "-c")
    assert [command.strip() for command in script.split("&&")] == before_serving
    assert services["api"]["command"][:2] == rules["serve"][1][0].split()
    assert services["api"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }


def _member(node: yaml.MappingNode, key: str) -> yaml.Node:
    return next(value for name, value in node.value if name.value == key)


def test_every_service_of_the_image_shares_one_settings_anchor() -> None:
    """Aliases of one anchor are one node: the services cannot drift apart."""
    root = yaml.compose(COMPOSE.read_text(encoding="utf-8"))
    services = _member(root, "services")
    names = sorted(image_services())
    assert names == ["api", "migrate", "worker"]
    for part in ("environment", "secrets"):
        nodes = {id(_member(_member(services, name), part)) for name in names}
        assert len(nodes) == 1, part


def test_the_api_has_a_health_check_on_a_probe() -> None:
    check = compose_file()["services"]["api"]["healthcheck"]
    assert not check.get("disable")
    assert re.search(r"127\.0\.0\.1:8000/(healthz|readyz)\b", " ".join(check["test"]))


def dockerfile_runtime_stage() -> list[tuple[str, str]]:
    """The last stage's instructions, continuation lines joined: (INSTRUCTION, arguments)."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    instructions = [tuple(line.split(None, 1)) for line in lines if not line.startswith("#")]
    last = max(i for i, (word, _) in enumerate(instructions) if word.upper() == "FROM")
    return [(word.upper(), args) for word, args in instructions[last:]]


def test_the_image_runs_unprivileged_with_a_health_check() -> None:
    stage = dict(dockerfile_runtime_stage())
    assert stage["USER"] not in {"root", "0"}
    assert "/healthz" in stage["HEALTHCHECK"]


def test_the_installed_cli_finds_migrations_and_seed_where_the_image_puts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed with `pip install .`, the package is in site-packages, away from the source
    tree: the CLI looks in the working directory, where the image must copy both folders."""
    stage = dockerfile_runtime_stage()
    workdir = tmp_path / dict(stage)["WORKDIR"].lstrip("/")
    workdir.mkdir(parents=True)
    for word, args in stage:
        if word == "COPY" and not args.startswith("--from"):
            source, destination = args.split()
            if (REPO / source).is_dir():
                (workdir / destination).symlink_to(REPO / source)
    installed = tmp_path / "opt/venv/lib/python3.11/site-packages/ehp_api"
    monkeypatch.setattr(migrate, "_PACKAGE_DIR", installed)
    monkeypatch.setattr(seeding, "_PACKAGE_DIR", installed)
    monkeypatch.chdir(workdir)
    assert migrate.migrations_dir() == Path.cwd() / "migrations"
    assert seeding.seed_dir() == Path.cwd() / "seed"


def test_the_image_installs_from_the_lock() -> None:
    """The image installs what CI tested: the versions and hashes of uv.lock, refusing a lock that
    no longer matches pyproject.toml (`--locked`), never a fresh resolution (`pip install .`)."""
    build = (REPO / "Dockerfile").read_text(encoding="utf-8")
    runs = [line for line in build.splitlines() if line.startswith("RUN ")]
    installs = [run for run in runs if "sync" in run or "pip install" in run]
    assert any("uv.lock" in line for line in build.splitlines() if line.startswith("COPY "))
    assert all("--locked" in run for run in installs if "uv sync" in run)
    assert [run for run in installs if "pip install" in run] == ['RUN pip install "uv==0.13.9"']
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "UV_VERSION := 0.13.9" in makefile
    assert "sync --quiet --locked" in makefile
