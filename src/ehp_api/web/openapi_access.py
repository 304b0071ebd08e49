"""What each operation of the OpenAPI document needs, read from its route's guards: the
permissions (`x-permissions`, and a line of the description that Swagger UI shows), any
principal, or nothing (`security: []`, a public operation)."""

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from ehp_api.core.guards import GUARD_ATTRIBUTE

PUBLIC_HELP = "**Public**: no credentials needed."
ANY_PRINCIPAL_HELP = "**Needs** a principal (an API key or a login), no particular permission."


def calls(dependant: Any) -> Iterator[Any]:
    """Every callable an operation depends on, nested dependencies included."""
    yield dependant.call
    for dependency in dependant.dependencies:
        yield from calls(dependency)


def operations(routes: list[Any]) -> Iterator[tuple[str, Any]]:
    """Each operation's id (its handler's name) and its dependencies as served: those of the
    routers that include it (`api.py`'s guards) among them."""
    for context in iter_route_contexts(routes):
        if isinstance(context.original_route, APIRoute):
            yield context.original_route.name, context.dependant


def _permissions(dependant: Any) -> list[str]:
    found = (getattr(call, GUARD_ATTRIBUTE, ()) for call in calls(dependant))
    return sorted({str(permission) for guard in found for permission in guard})


def _help(permissions: list[str]) -> str:
    named = ", ".join(f"`{p}`" for p in permissions)
    return f"**Needs** the permission{'s' if len(permissions) > 1 else ''} {named}."


def document_permissions(document: dict[str, Any], routes: list[Any]) -> None:
    needs = {name: _permissions(dependant) for name, dependant in operations(routes)}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            permissions = needs.get(operation.get("operationId", ""), [])
            if "security" not in operation:
                operation["security"] = []
                line = PUBLIC_HELP
            else:
                line = _help(permissions) if permissions else ANY_PRINCIPAL_HELP
            operation["x-permissions"] = permissions
            description = operation.get("description", "")
            operation["description"] = f"{description}\n\n{line}".strip()
