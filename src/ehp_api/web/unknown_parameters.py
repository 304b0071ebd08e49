"""Refuse query parameters an operation does not take, with a 422 naming them.

A typo in a filter (`update_since` for `updated_since`) was ignored, and the caller got the whole
list as if it had been applied. What an operation takes is what its handler and dependencies read,
the parameters the OpenAPI document lists: taken from FastAPI's dependants of the routes, once per
app (on its first request), never from a hand-kept list.
"""

import difflib
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

from fastapi import FastAPI, Request, routing
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo
from starlette.routing import BaseRoute

from ehp_api.core.errors import InvalidInput, InvalidParam, field_name
from ehp_api.core.i18n import tr

CODE = "unknown_parameter"


async def refuse_unknown_query_parameters(request: Request) -> None:
    """A dependency of every API route; it runs before the others (credentials included): an
    unknown parameter is a fault of the request whoever sends it."""
    if errors := faults(request):
        summary = "; ".join(f"query.{error.field}: {error.reason}" for error in errors[:5])
        raise InvalidInput(tr("The request is invalid: {summary}", summary=summary), errors=errors)


def faults(request: Request) -> list[InvalidParam]:
    """The unknown query parameters of a routed request, one error each. Also listed in the 422
    of a body FastAPI cannot read (it reads the body before any dependency runs), so that answer
    names every fault of the request (`core.errors.request_faults`)."""
    route = request.scope.get("route")
    known = None if route is None else accepted_names(request.app, route)
    if known is None:
        return []
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    return [
        InvalidParam(
            location="query", field=field_name([name]), reason=_reason(name, known), code=CODE
        )
        for name in unknown
    ]


def accepted_names(app: FastAPI, route: BaseRoute) -> tuple[str, ...] | None:
    """The query parameters `route` takes, in the document's order; None when it takes any (a
    query model allowing extra fields). Worked out once per app, kept on its state."""
    table: dict[int, tuple[str, ...] | None] | None = getattr(app.state, "query_names", None)
    if table is None or id(route) not in table:
        table = app.state.query_names = _table(app.routes)
    return table.get(id(route))


def _table(routes: list[BaseRoute]) -> dict[int, tuple[str, ...] | None]:
    """Query names by route. Recent FastAPI keeps an included route once, shared by every app, and
    gives each inclusion a context with its own dependant (the routers' dependencies added): read
    those. Older versions list a copy of each route, with that dependant, in `app.routes`."""
    iterate = getattr(routing, "iter_route_contexts", None)
    table: dict[int, tuple[str, ...] | None] = {}
    for context in iterate(routes) if iterate else routes:
        dependant = getattr(context, "dependant", None)
        if dependant is None:  # the docs' assets, the document itself: no operation
            continue
        route = getattr(context, "original_route", context)
        names, before = _names_of(dependant), table.get(id(route), ())
        table[id(route)] = (
            None if names is None or before is None else tuple(dict.fromkeys((*before, *names)))
        )
    return table


def _names_of(dependant: Dependant) -> tuple[str, ...] | None:
    names: dict[str, None] = {}
    for param in _query_params(dependant):
        model = _query_model(param.field_info.annotation)
        if model is None:
            names.update(dict.fromkeys(_names(param.alias, param.field_info)))
        elif model.model_config.get("extra") == "allow":
            return None
        else:
            by_name = model.model_config.get("populate_by_name") or model.model_config.get(
                "validate_by_name"
            )
            for name, info in model.model_fields.items():
                names.update(dict.fromkeys(_names(info.alias or name, info)))
                if by_name:
                    names[name] = None
    return tuple(names)


def _query_params(dependant: Dependant) -> Iterator[ModelField]:
    """The query parameters of a dependant and of its dependencies, in the document's order."""
    yield from dependant.query_params
    for dependency in dependant.dependencies:
        yield from _query_params(dependency)


def _query_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a query model parameter (`Annotated[Filters, Query()]`), if it is one."""
    if get_origin(annotation) in (Union, types.UnionType):
        models = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = models[0] if len(models) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _names(alias: str, info: FieldInfo) -> list[str]:
    choices = info.validation_alias
    if isinstance(choices, AliasChoices):
        return [choice for choice in choices.choices if isinstance(choice, str)] or [alias]
    return [choices] if isinstance(choices, str) else [alias]


def _reason(name: str, known: tuple[str, ...]) -> str:
    if not known:
        return tr("unknown query parameter; this operation takes none")
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    takes = ", ".join(known)
    if close:
        return tr(
            "unknown query parameter (did you mean `{close}`?); this operation takes: {takes}",
            close=close[0],
            takes=takes,
        )
    return tr("unknown query parameter; this operation takes: {takes}", takes=takes)
