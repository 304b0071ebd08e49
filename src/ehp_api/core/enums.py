"""Enums as generated clients name them."""

from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class NamedMembers:
    """A mixin for an enum whose values are not identifiers (`0-17`, `workplan:read`): its
    schema names each value by its member (`x-enum-varnames`), so that a generated client has
    `AgeGroup.CHILD` rather than `AgeGroup.VALUE_0`."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        members: Any = cls
        schema["x-enum-varnames"] = [member.name for member in members]
        return schema
