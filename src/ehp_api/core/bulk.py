"""Set-based writes of many rows: one statement per chunk, and on PostgreSQL one short statement
fed with arrays (`unnest`), so that the server parses it once instead of 16,000 placeholders.

SQLite gets plain executemany, which its driver runs in C without new SQL text per row.
Table and column names come from the models' metadata, never from a request (hence the S608
waivers); every value travels as a bound parameter.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, Table, select, text
from sqlalchemy.engine import Connection, Row

from ehp_api.core.db import UTCDateTime

CHUNK = 5000
# SQLite (since 3.32) binds up to 32,766 parameters: a whole batch of keys fits one IN (...).
SQLITE_KEYS = 30_000


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pg_type(table: Table, name: str) -> str:
    column_type = table.c[name].type
    if isinstance(column_type, UTCDateTime):
        return "timestamptz"
    if isinstance(column_type, Boolean):
        return "boolean"
    if isinstance(column_type, Integer):
        return "bigint"
    if isinstance(column_type, JSON):
        return "json"
    return "text"


def _arrays(table: Table, rows: Sequence[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    arrays: dict[str, list[Any]] = {}
    for name in names:
        values = [row[name] for row in rows]
        if isinstance(table.c[name].type, JSON):
            values = [None if v is None else json.dumps(v) for v in values]
        elif _pg_type(table, name) == "text":
            values = [None if v is None else str(v) for v in values]
        arrays[name] = values
    return arrays


def _unnest(table: Table, names: list[str]) -> tuple[str, str]:
    """(`unnest(CAST(:a AS bigint[]), ...) AS u(a, ...)`, `u.a, u.b::json, ...`)."""

    def element(name: str) -> str:
        array_type = "text" if _pg_type(table, name) == "json" else _pg_type(table, name)
        return f"CAST(:{name} AS {array_type}[])"

    source = f"unnest({', '.join(map(element, names))}) AS u({', '.join(names)})"
    columns = ", ".join(f"u.{n}::json" if _pg_type(table, n) == "json" else f"u.{n}" for n in names)
    return source, columns


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict_key: str | None = None,
    returning: Sequence[str] = (),
) -> list[Row[Any]]:
    """Insert rows (all with the same keys); skip conflicts on `conflict_key`; return columns."""
    if not rows:
        return []
    names = list(rows[0])
    if connection.dialect.name == "postgresql":
        return _insert_pg(connection, table, rows, names, conflict_key, returning)
    verb = "INSERT OR IGNORE" if conflict_key else "INSERT"
    sql = f"{verb} INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    _sqlite_many(connection, table, sql, rows, names)
    if not returning:
        return []
    # SQLite's executemany returns no rows: read them back by key. SQLite lets one writer at a
    # time write, and a transaction whose snapshot went stale fails instead of writing, so the
    # keys a caller has just found absent are exactly the rows inserted here.
    assert conflict_key, "reading rows back needs their unique key"
    keys = [row[conflict_key] for row in rows]
    columns = [table.c[n] for n in returning]
    return [
        row
        for part in chunks(keys, SQLITE_KEYS)
        for row in connection.execute(select(*columns).where(table.c[conflict_key].in_(part)))
    ]


def _sqlite_converter(table: Table, name: str) -> Callable[[Any], Any] | None:
    """How SQLAlchemy would store a column's values in SQLite, as one function per column."""
    column_type = table.c[name].type
    if isinstance(column_type, UTCDateTime):
        return lru_cache(maxsize=8)(lambda v: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
    if isinstance(column_type, JSON):
        return json.dumps
    if isinstance(column_type, Boolean):
        return int
    return None


def _sqlite_many(
    connection: Connection,
    table: Table,
    sql: str,
    rows: Sequence[dict[str, Any]],
    names: list[str],
) -> None:
    # executemany straight to the driver, converting column by column: SQLAlchemy's per-row
    # parameter processing would cost more than SQLite's own work here.
    columns = []
    for name in names:
        values = [row[name] for row in rows]
        convert = _sqlite_converter(table, name)
        if convert is not None:
            values = [None if v is None else convert(v) for v in values]
        columns.append(values)
    connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _insert_pg(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    names: list[str],
    conflict_key: str | None,
    returning: Sequence[str],
) -> list[Row[Any]]:
    source, columns = _unnest(table, names)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {columns} FROM {source}"  # noqa: S608
    if conflict_key:
        sql += f" ON CONFLICT ({conflict_key}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    result = []
    for part in chunks(rows):
        executed = connection.execute(text(sql), _arrays(table, part, names))
        result.extend(executed.all() if returning else [])
    return result


def update_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Update rows by `id` (all rows with the same keys)."""
    if not rows:
        return
    names = [n for n in rows[0] if n != "id"]
    if connection.dialect.name == "postgresql":
        source, _ = _unnest(table, ["id", *names])
        assignments = ", ".join(
            f"{n} = u.{n}::json" if _pg_type(table, n) == "json" else f"{n} = u.{n}" for n in names
        )
        sql = f"UPDATE {table.name} AS t SET {assignments} FROM {source} WHERE t.id = u.id"  # noqa: S608
        for part in chunks(rows):
            connection.execute(text(sql), _arrays(table, part, ["id", *names]))
        return
    assignments = ", ".join(f"{n} = ?" for n in names)
    sql = f"UPDATE {table.name} SET {assignments} WHERE id = ?"  # noqa: S608
    _sqlite_many(connection, table, sql, rows, [*names, "id"])


def keyed_select_sql(table: Table, columns: Sequence[str], key: str, lock: bool) -> str:
    """PostgreSQL: rows whose `key` is in the array `:keys`, joined rather than `IN (...)`."""
    selected = ", ".join(f"t.{c}" for c in columns)
    keys = "unnest(CAST(:keys AS text[])) AS k(key)"
    sql = f"SELECT {selected} FROM {table.name} AS t JOIN {keys} ON t.{key} = k.key"  # noqa: S608
    return sql + (" FOR UPDATE OF t" if lock else "")
