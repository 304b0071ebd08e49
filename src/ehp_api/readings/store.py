"""Writing prepared readings set-based: one statement per chunk of rows, never one per row."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from ehp_api.db import utcnow
from ehp_api.readings.models import Reading, ReadingHistory, ReadingStatus
from ehp_api.readings.rules import Prepared

CHUNK = 1000
_COMPARED = ("numerator", "denominator", "comment", "external_ref")


@dataclass
class Plan:
    """What a batch will do, row by row, before anything is written."""

    creates: list[Prepared] = field(default_factory=list)
    updates: list[tuple[Prepared, dict[str, Any]]] = field(default_factory=list)
    unchanged: list[tuple[Prepared, int]] = field(default_factory=list)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing(session: Session, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Stored rows by natural key, locked for this transaction on PostgreSQL."""
    found: dict[str, dict[str, Any]] = {}
    columns = (
        Reading.id,
        Reading.natural_key,
        Reading.status,
        Reading.rejection_reason,
        *(getattr(Reading, c) for c in _COMPARED),
    )
    for part in chunks(keys):
        stmt = select(*columns).where(Reading.natural_key.in_(part)).with_for_update()  # type: ignore[attr-defined]
        for row in session.execute(stmt).mappings():
            found[row["natural_key"]] = dict(row)
    return found


def plan(prepared: list[Prepared], stored: dict[str, dict[str, Any]]) -> Plan:
    result = Plan()
    for item in prepared:
        current = stored.get(item.natural_key)
        if current is None:
            result.creates.append(item)
        elif all(current[c] == item.values[c] for c in _COMPARED):
            result.unchanged.append((item, current["id"]))
        else:
            result.updates.append((item, current))
    return result


def _insert_statement(session: Session, rows: list[dict[str, Any]]) -> Any:
    dialect = session.get_bind().dialect.name
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_for(Reading)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["natural_key"])
        .returning(Reading.id, Reading.natural_key)
    )


def create(
    session: Session, items: list[Prepared], author: str
) -> tuple[dict[str, int], list[Prepared]]:
    """Insert new readings; rows another transaction inserted first come back as `raced`."""
    now = utcnow()
    ids: dict[str, int] = {}
    for part in chunks(items):
        rows = [
            {
                **i.values,
                "natural_key": i.natural_key,
                "status": ReadingStatus.submitted,
                "created_by": author,
                "created_at": now,
                "updated_at": now,
            }
            for i in part
        ]
        for reading_id, key in session.execute(_insert_statement(session, rows)):
            ids[key] = reading_id
    raced = [i for i in items if i.natural_key not in ids]
    return ids, raced


def apply_updates(
    session: Session, updates: list[tuple[Prepared, dict[str, Any]]], author: str
) -> None:
    """New values, back to `submitted` when the value changed, old values kept in history."""
    now = utcnow()
    changes, history = [], []
    for item, current in updates:
        value_changed = (current["numerator"], current["denominator"]) != (
            item.values["numerator"],
            item.values["denominator"],
        )
        status = ReadingStatus.submitted if value_changed else current["status"]
        changes.append(
            {
                "id": current["id"],
                **{c: item.values[c] for c in _COMPARED},
                "off_schedule": item.values["off_schedule"],
                "status": status,
                "rejection_reason": None if value_changed else current["rejection_reason"],
                "updated_at": now,
            }
        )
        history.append(
            {
                "reading_id": current["id"],
                "changed_at": now,
                "changed_by": author,
                "event": "value_changed" if value_changed else "details_changed",
                "old_numerator": current["numerator"],
                "old_denominator": current["denominator"],
                "new_numerator": item.values["numerator"],
                "new_denominator": item.values["denominator"],
                "old_status": current["status"],
                "new_status": status,
            }
        )
    for part in chunks(changes):
        session.execute(update(Reading), list(part))
    for part in chunks(history):
        session.execute(insert(ReadingHistory), list(part))
