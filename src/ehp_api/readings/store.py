"""Writing prepared readings set-based: a bounded number of statements per batch, never one per
row (see `ehp_api.core.bulk`)."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session

from ehp_api.core import bulk, changes
from ehp_api.core.db import table_of
from ehp_api.readings.models import Reading, ReadingHistory, ReadingStatus
from ehp_api.readings.validation import Prepared

READINGS = table_of(Reading)
HISTORY = table_of(ReadingHistory)
_COMPARED = ("numerator", "denominator", "comment", "external_ref")
_DETAILS = ("comment", "external_ref")
_VALIDATED = ("validated_numerator", "validated_denominator")
_AUTHOR = ("created_by", "updated_by", "updated_at")
_LOADED = ("id", "natural_key", "status", "rejection_reason", *_COMPARED, *_VALIDATED, *_AUTHOR)


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
    now = changes.hold(session)
    rows = [
        {
            **i.values,
            "natural_key": i.natural_key,
            "status": ReadingStatus.submitted.value,
            "created_by": author,
            "updated_by": author,
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


def status_after(current: dict[str, Any], new: tuple[int, int | None]) -> tuple[str, bool]:
    """(status, whether the rejection reason goes) once a reading takes the value `new`.

    A new value waits for review (`submitted`) while the last validated value keeps counting;
    the validated value itself, posted again, needs no review (a correction is withdrawn)."""
    validated = tuple(current[c] for c in _VALIDATED)
    if validated[0] is not None and new == validated:
        return ReadingStatus.validated.value, True
    if new != (current["numerator"], current["denominator"]):
        return ReadingStatus.submitted.value, True
    return str(current["status"]), False


def detail_changes(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    """Every detail that changed, old and new, for the history: nothing is lost on overwrite."""
    changed = {c: {"old": current[c], "new": new[c]} for c in _DETAILS if current[c] != new[c]}
    return changed or None


def last_author(current: dict[str, Any]) -> str:
    return current["updated_by"] or current["created_by"]


def apply_updates(
    session: Session, updates: list[tuple[Prepared, dict[str, Any]]], author: str
) -> None:
    """New values and details, kept in history with every field that changed. A changed value
    goes back to review while the validated one keeps counting, so no figure changes here.
    A reading that leaves `validated` leaves the other organisations' view: tombstoned for them."""
    now = changes.hold(session)
    updated, history, stones = [], [], []
    for item, current in updates:
        old = (current["numerator"], current["denominator"])
        new = (item.values["numerator"], item.values["denominator"])
        status, clears_reason = status_after(current, new)
        if status != current["status"]:
            stones.append(
                changes.tombstone(
                    "reading",
                    current["id"],
                    now,
                    status=current["status"],
                    organisation_id=item.values["organisation_id"],
                )
            )
        updated.append(
            {
                "id": current["id"],
                **{c: item.values[c] for c in _COMPARED},
                "off_schedule": item.values["off_schedule"],
                "status": status,
                "rejection_reason": None if clears_reason else current["rejection_reason"],
                "updated_by": author,
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
                "changes": detail_changes(current, item.values),
            }
        )
    connection = session.connection()
    bulk.update_rows(connection, READINGS, updated)
    changes.record(session, stones)
    bulk.insert_rows(connection, HISTORY, history)
