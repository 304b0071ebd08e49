"""A mypy plugin: a SQLModel table's field read on the class is a column, not a value.

SQLModel declares `id: int | None = Field(primary_key=True)`, so mypy types `Reading.id` as
`int | None` on the class as on an instance, and rejects `Reading.id.in_(...)`,
`Reading.id.desc()`, `order_by(Reading.id)` and `where(Reading.id == 3)` (a `bool` to mypy).
At run time the class attribute is SQLAlchemy's `InstrumentedAttribute`; this plugin tells
mypy so, once, instead of `col()` or a `# type: ignore` at each of the hundreds of call sites.

Scope: class-level reads (`Model.field`) of fields of classes declared with `table=True` (or
inheriting from one); instances, assignments, non-table models (API schemas) and ClassVars keep
their declared types. A primary key read on the class is typed without `None`: the column is
`NOT NULL`, so the values a query selects from it are never `None` (an instance's `id` still
is `int | None`, since it is `None` until the row is flushed).

Registered in pyproject.toml's [tool.mypy] plugins; `make typecheck` runs mypy with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mypy.nodes import AssignmentStmt, CallExpr, ClassDef, NameExpr, TypeInfo, Var
from mypy.plugin import AttributeContext, ClassDefContext, Plugin
from mypy.types import Instance, NoneType, Type, UnionType, get_proper_type

SQLMODEL = "sqlmodel.main.SQLModel"
COLUMN = "sqlalchemy.orm.attributes.InstrumentedAttribute"
# What each SQLModel class declares, kept in mypy's cache with the class (a cached module's
# class has no body to read again).
METADATA = "ehp_sqlmodel_columns"


def _is_true(expr: object) -> bool:
    return isinstance(expr, NameExpr) and expr.name == "True"


def _primary_keys(defn: ClassDef) -> list[str]:
    """Fields the class body declares with `Field(..., primary_key=True)`."""
    keys = []
    for stmt in defn.defs.body:
        if not isinstance(stmt, AssignmentStmt) or not isinstance(stmt.rvalue, CallExpr):
            continue
        call = stmt.rvalue
        if any(
            n == "primary_key" and _is_true(a)
            for n, a in zip(call.arg_names, call.args, strict=True)
        ):
            keys += [t.name for t in stmt.lvalues if isinstance(t, NameExpr)]
    return keys


def _record(ctx: ClassDefContext) -> None:
    ctx.cls.info.metadata[METADATA] = {
        "table": _is_true(ctx.cls.keywords.get("table")),
        "primary_keys": _primary_keys(ctx.cls),
    }


def _declared(info: TypeInfo, what: str) -> list[Any]:
    return [base.metadata[METADATA][what] for base in info.mro if METADATA in base.metadata]


def _without_none(typ: Type) -> Type:
    proper = get_proper_type(typ)
    if isinstance(proper, UnionType):
        kept = [t for t in proper.items if not isinstance(get_proper_type(t), NoneType)]
        return UnionType.make_union(kept)
    return typ


class SQLModelColumns(Plugin):
    def get_customize_class_mro_hook(
        self, fullname: str
    ) -> Callable[[ClassDefContext], None] | None:
        # Called for every class once its bases are known; records SQLModel classes only.
        symbol = self.lookup_fully_qualified(fullname)
        if (
            symbol is not None
            and isinstance(symbol.node, TypeInfo)
            and symbol.node.has_base(SQLMODEL)
        ):
            return _record
        return None

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        class_name, _, name = fullname.rpartition(".")
        if name.startswith("_") or name.startswith("model_"):
            return None
        symbol = self.lookup_fully_qualified(class_name)
        if symbol is None or not isinstance(symbol.node, TypeInfo):
            return None
        info = symbol.node
        if not any(_declared(info, "table")):
            return None
        field = info.get(name)
        if field is None or not isinstance(field.node, Var) or field.node.is_classvar:
            return None
        column = self.lookup_fully_qualified(COLUMN)
        if column is None or not isinstance(column.node, TypeInfo):
            return None
        column_info = column.node
        primary_key = any(name in keys for keys in _declared(info, "primary_keys"))

        def as_column(ctx: AttributeContext) -> Type:
            if ctx.is_lvalue:
                return ctx.default_attr_type
            value = _without_none(ctx.default_attr_type) if primary_key else ctx.default_attr_type
            return Instance(column_info, [value])

        return as_column


def plugin(version: str) -> type[Plugin]:
    return SQLModelColumns
