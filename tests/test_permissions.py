"""Every route of the OpenAPI document, for every role and without credentials, behaves as the
permission tables of docs/access.md say: a new route without a guard, or without a row, fails
here."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role

ACCESS = (Path(__file__).resolve().parents[1] / "docs" / "access.md").read_text(encoding="utf-8")
ROLES = [role.value for role in Role]
PUBLIC, ANY_PRINCIPAL = "public (rate-limited)", "any principal"


def _rows(header: str) -> list[list[str]]:
    table = ACCESS.split(header, 1)[1].split("\n\n", 1)[0]
    lines = [
        line for line in table.splitlines() if line.startswith("|") and not line.startswith("|---")
    ]
    return [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines]


ROLE_PERMISSIONS = {
    role: {row[0] for row in _rows("| permission | admin |") if row[ROLES.index(role) + 1] == "yes"}
    for role in ROLES
}
OPERATION_NEEDS = {row[0]: row[1] for row in _rows("| operation | needs |")}


def _operations(client: TestClient) -> list[tuple[str, str]]:
    document = client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        if path.startswith("/api/")
        for method in item
    ]


def _call(client: TestClient, method: str, path: str) -> int:
    # Ids and codes that name nothing: the guard must answer before the record is looked up.
    concrete = re.sub(r"\{[a-z_]*id\}", "999999", path)
    concrete = re.sub(r"\{[a-z_]+\}", "NOTHING-HERE", concrete)
    return client.request(method, concrete).status_code


def test_every_operation_has_a_row_in_the_access_page(anon_client: TestClient) -> None:
    missing = [f"{m} {p}" for m, p in _operations(anon_client) if f"{m} {p}" not in OPERATION_NEEDS]
    assert missing == []


def test_every_row_of_the_access_page_is_an_operation(anon_client: TestClient) -> None:
    operations = {f"{m} {p}" for m, p in _operations(anon_client)}
    assert set(OPERATION_NEEDS) - operations == set()


def test_without_credentials_only_public_operations_answer(anon_client: TestClient) -> None:
    for method, path in _operations(anon_client):
        status = _call(anon_client, method, path)
        if OPERATION_NEEDS[f"{method} {path}"] == PUBLIC:
            assert status != 401, (method, path)
        else:
            assert status == 401, (method, path, status)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_table_grants(
    role: str, client_as: Callable[..., TestClient]
) -> None:
    client = client_as(Role(role), "OCHA")
    for method, path in _operations(client):
        needs = OPERATION_NEEDS[f"{method} {path}"]
        allowed = needs in (PUBLIC, ANY_PRINCIPAL) or needs in ROLE_PERMISSIONS[role]
        status = _call(client, method, path)
        if allowed:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


def test_operations_declare_their_security_in_openapi(anon_client: TestClient) -> None:
    document = anon_client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if OPERATION_NEEDS.get(f"{method.upper()} {path}", PUBLIC) != PUBLIC:
                schemes = {name for requirement in operation["security"] for name in requirement}
                assert schemes == {"UserLogin", "ApiKey"}, (method, path)


def test_openapi_names_the_permission_of_each_operation(anon_client: TestClient) -> None:
    """`x-permissions` (read from the guards) and the description say what the table says."""
    document = anon_client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            needs = OPERATION_NEEDS.get(f"{method.upper()} {path}", PUBLIC)
            named = [] if needs in (PUBLIC, ANY_PRINCIPAL) else [needs]
            assert operation["x-permissions"] == named, (method, path)
            assert (operation["security"] == []) == (needs == PUBLIC), (method, path)
            if named:
                assert f"**Needs** the permission `{needs}`." in operation["description"]
