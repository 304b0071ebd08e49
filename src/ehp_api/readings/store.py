"""Writing prepared readings set-based: a bounded number of statements per batch, never one per
row (see `ehp_api.bulk`)."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, text
from sqlmodel import Session

from ehp_api import bulk
from ehp_api.db import utcnow
from ehp_api.readings.models import Reading, ReadingHistory, ReadingStatus
from ehp_api.readings.rules import Prepared

READINGS: Table = Reading.__table__  # type: ignore[attr-defined]
HISTORY: Table = ReadingHistory.__table__  # type: ignore[attr-defined]
_COMPARED = ("numerator", "denominator", "comment", "external_ref")
_LOADED = ("id", "natural_key", "status", "rejection_reason", *_COMPARED)


@dataclass
class Plan:
    """What a batch will do, row by row, before anything is written."""

    creates: list[Prepared] = field(default_factory=list)
    updates: list[tuple[Prepared, dict[str, Any]]] = field(default_factory=list)
    unchanged: list[tuple[Prepared, int]] = field(default_factory=list)


def existing(session: Session, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Stored rows by natural key, locked for this transaction on PostgreSQL."""
    if not keys:
        return {}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        sql = text(bulk.keyed_select_sql(READINGS, _LOADED, "natural_key", lock=True))
        rows = connection.execute(sql, {"keys": keys}).mappings()
        return {row["natural_key"]: dict(row) for row in rows}
    found: dict[str, dict[str, Any]] = {}
    columns = [READINGS.c[c] for c in _LOADED]
    for part in bulk.chunks(keys, bulk.SQLITE_KEYS):
        stmt = select(*columns).where(READINGS.c.natural_key.in_(part))
        found.update({row["natural_key"]: dict(row) for row in connection.execute(stmt).mappings()})
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


def create(
    session: Session, items: list[Prepared], author: str
) -> tuple[dict[str, int], list[Prepared]]:
    """Insert new readings; rows another transaction inserted first come back as `raced`."""
    now = utcnow()
    rows = [
        {
            **i.values,
            "natural_key": i.natural_key,
            "status": ReadingStatus.submitted.value,
            "created_by": author,
            "created_at": now,
            "updated_at": now,
        }
        for i in items
    ]
    inserted = bulk.insert_rows(
        session.connection(),
        READINGS,
        rows,
        conflict_key="natural_key",
        returning=("id", "natural_key"),
    )
    ids = {key: reading_id for reading_id, key in inserted}
    return ids, [i for i in items if i.natural_key not in ids]


def apply_updates(
    session: Session, updates: list[tuple[Prepared, dict[str, Any]]], author: str
) -> list[tuple[int, int, int]]:
    """New values, back to `submitted` when the value changed, old values kept in history.
    Returns the (indicator, organisation, period) of validated readings that left that state."""
    now = utcnow()
    changes, history, unvalidated = [], [], []
    for item, current in updates:
        old = (current["numerator"], current["denominator"])
        new = (item.values["numerator"], item.values["denominator"])
        if old != new and current["status"] == ReadingStatus.validated:
            v = item.values
            unvalidated.append((v["indicator_id"], v["organisation_id"], v["period_id"]))
        status = ReadingStatus.submitted.value if old != new else str(current["status"])
        changes.append(
            {
                "id": current["id"],
                **{c: item.values[c] for c in _COMPARED},
                "off_schedule": item.values["off_schedule"],
                "status": status,
                "rejection_reason": None if old != new else current["rejection_reason"],
                "updated_at": now,
            }
        )
        history.append(
            {
                "reading_id": current["id"],
                "changed_at": now,
                "changed_by": author,
                "event": "value_changed" if old != new else "details_changed",
                "old_numerator": old[0],
                "old_denominator": old[1],
                "new_numerator": new[0],
                "new_denominator": new[1],
                "old_status": str(current["status"]),
                "new_status": status,
                "note": None,
            }
        )
    connection = session.connection()
    bulk.update_rows(connection, READINGS, changes)
    bulk.insert_rows(connection, HISTORY, history)
    return unvalidated
