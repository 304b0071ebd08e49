"""Alerts and complaints for the volume database (see volume.py), each with its timeline.

Every record walks its workflow as the API would: the steps in order, on increasing days, with
the fields each step needs; its status is the last step reached.
"""

import importlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import Session

from ehp_api.readings import lookups as lookups_module

AUTHOR = "volume generator"
FIRST_DAY, DAYS = date(2020, 1, 1), 1090  # spread over the plan's three years
STEP_DAYS = (0, 1, 3, 7, 21)
ALERT_PATHS = {
    "ewrr": ("draft", "shared", "acknowledged", ("activated", "not_activated"), "closed"),
    "ehp_referral": (
        "draft",
        "submitted",
        "under_review",
        ("escalated", "not_escalated"),
        "closed",
    ),
}
ALERT_DETAILS: dict[str, dict[str, Any]] = {
    "escalated": {"decision": "volume: advocacy letter", "accountable_organisation": "HCR"},
    "not_escalated": {"reason": "volume: below the threshold"},
    "activated": {"response_type": "volume: patrol"},
    "not_activated": {"reason": "volume: no capacity"},
    "closed": {"outcome": "volume: followed up"},
}
CATEGORIES = (
    "killing_or_maiming",
    "abduction",
    "gender_based_violence",
    "recruitment_of_children",
    "attack_on_civilians",
    "forced_displacement",
    "denial_of_humanitarian_access",
    "extortion",
    "arbitrary_arrest_or_detention",
    "destruction_of_property",
    "explosive_ordnance",
    "other",
)
GROUPS = ("idps", "refugees", "returnees", "host_community", "general_population", "children")


@dataclass
class Context:
    lookups: lookups_module.Lookups
    cercles: list[lookups_module.LocationInfo]
    organisations: list[int]
    first_id: int


def _context(engine: Engine, table: str) -> Context:
    with Session(engine) as session:
        lookups = lookups_module.load(session)
        last = session.connection().execute(text(f"SELECT max(id) FROM {table}")).scalar()  # noqa: S608
    cercles = [loc for loc in lookups.locations.values() if loc.region_id != loc.id]
    return Context(lookups, cercles, sorted(lookups.organisations.values()), (last or 0) + 1)


def _day(i: int) -> date:
    return FIRST_DAY + timedelta(days=i * 7919 % DAYS)  # a prime stride spreads them evenly


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), UTC)


def _copy(connection: Connection, table: str, rows: Iterator[dict[str, Any]]) -> int:
    """COPY dict rows (all with the same keys) into the table; quoted names: `on` is reserved."""
    first = next(rows, None)
    if first is None:
        return 0
    names = list(first)
    columns = ", ".join(f'"{name}"' for name in names)
    count = 0
    driver = connection.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as stream,
    ):
        for row in chain([first], rows):
            stream.write_row([row[name] for name in names])
            count += 1
    return count


def _reset_sequence(connection: Connection, table: str) -> None:
    connection.execute(
        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")  # noqa: S608
    )


def _write(engine: Engine, table: str, steps_table: str, count: int, make: Any) -> str:
    """Records and their timeline steps, each `make(i, context) -> (record, [step, ...])`."""
    if count == 0:
        return ""
    context = _context(engine, table)
    with engine.begin() as connection:
        records = _copy(connection, table, (make(i, context)[0] for i in range(count)))
        steps = _copy(
            connection, steps_table, (s for i in range(count) for s in make(i, context)[1])
        )
        _reset_sequence(connection, table)
    return f"{records:,} rows in {table}, {steps:,} in {steps_table}"


def alerts(engine: Engine, count: int) -> str:
    return _write(engine, "alerts", "alert_events", count, _alert)


def _path(paths: tuple[Any, ...], i: int) -> list[str]:
    length = 1 + (i // 4) % len(paths)
    return [step[(i // 2) % 2] if isinstance(step, tuple) else step for step in paths[:length]]


def _alert(i: int, context: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    kind = ("ewrr", "ehp_referral")[i % 2]
    path = _path(ALERT_PATHS[kind], i)
    cercle = context.cercles[i % len(context.cercles)]
    occurred = _day(i)
    reported = occurred + timedelta(days=i % 3)
    severity = 1 + i % 5
    alert_id = context.first_id + i
    last = reported + timedelta(days=STEP_DAYS[len(path) - 1])
    record = {
        "id": alert_id,
        "kind": kind,
        "status": path[-1],
        "category": CATEGORIES[i % 12],
        "location_id": cercle.id,
        "admin2_id": cercle.id,
        "occurred_on": occurred,
        "reported_on": reported,
        "severity": severity,
        "affected_group": GROUPS[i % 6],
        "affected_people": 5 + i % 300,
        "narrative": f"volume alert {i}: events in {cercle.pcode}",
        "external_ref": f"vol-{i}",
        "source_organisation_id": context.organisations[i % len(context.organisations)],
        "liptako_gourma": context.lookups.zone_of(cercle, occurred) == "liptako_gourma",
        "recurrence": 1,
        "escalation_recommended": severity >= 4,
        "created_by": AUTHOR,
        "created_at": _at(reported),
        "updated_at": _at(last),
    }
    return record, [
        _alert_step(record, path, n, reported + timedelta(days=STEP_DAYS[n]))
        for n in range(len(path))
    ]


def _alert_step(alert: dict[str, Any], path: list[str], n: int, on: date) -> dict[str, Any]:
    details = dict(ALERT_DETAILS.get(path[n], {}))
    if path[n] == "escalated":
        details |= {"meeting_on": on.isoformat(), "follow_up_due_on": str(on + timedelta(14))}
    return {
        "alert_id": alert["id"],
        "liptako_gourma": alert["liptako_gourma"],
        "from_status": path[n - 1] if n else None,
        "to_status": path[n],
        "on": on,
        "note": None,
        "details": json.dumps(details),
        "recorded_by": AUTHOR,
        "recorded_at": _at(on),
    }


def complaints(engine: Engine, count: int) -> str:
    """Complaints, only where the complaints domain exists (another change brings it)."""
    try:
        importlib.import_module("ehp_api.complaints.models")
    except ImportError as error:
        return f"skipped: ehp_api.complaints.models does not import ({error})"
    if not inspect(engine).has_table("complaints"):
        return "skipped: the migrations create no complaints table"
    deadlines = _deadlines(engine)
    return _write(
        engine,
        "complaints",
        "complaint_steps",
        count,
        lambda i, context: _complaint(i, context, deadlines),
    )


def _deadlines(engine: Engine) -> dict[tuple[str, bool], int]:
    sql = "SELECT category, sensitive, refer_within_hours FROM complaint_deadlines"
    with engine.connect() as connection:
        return {(c, s): h for c, s, h in connection.execute(text(sql))}


COMPLAINT_PATH = ("received", "referred", "accepted", "responded", "closed")
CHANNELS = ("hotline", "help_desk", "suggestion_box", "community_meeting", "sms", "in_person")
COMPLAINT_CATEGORIES = (
    "information_request",
    "feedback",
    "assistance_complaint",
    "exclusion",
    "protection_concern",
    "fraud_or_corruption",
    "staff_misconduct",
    "sea_allegation",
    "other",
)
OUTCOMES = ("adjusted", "no_change_needed", "not_in_scope")


def _complaint(
    i: int, context: Context, deadlines: dict[tuple[str, bool], int]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    path = list(COMPLAINT_PATH[: 1 + (i // 3) % len(COMPLAINT_PATH)])
    category = COMPLAINT_CATEGORIES[i % len(COMPLAINT_CATEGORIES)]
    sensitive = category == "sea_allegation"
    cercle = context.cercles[i % len(context.cercles)]
    received = _day(i)
    hours = deadlines.get((category, sensitive), 14 * 24)
    days = {step: received + timedelta(days=STEP_DAYS[n]) for n, step in enumerate(path)}
    organisations = context.organisations
    referred_to = organisations[(i + 1) % len(organisations)] if "referred" in days else None
    outcome = OUTCOMES[i % 3] if "closed" in days else None
    record = {
        "id": context.first_id + i,
        "channel": CHANNELS[i % 6],
        "category": category,
        "sensitive": sensitive,
        "received_on": received,
        "location_id": cercle.id,
        "zone": context.lookups.zone_of(cercle, received),
        "description": f"volume complaint {i} from {cercle.pcode}",
        "anonymous": True,
        "consent_to_contact": False,
        "consent_to_share_identity": False,
        "assistance_declined": False,
        "status": path[-1],
        "recorded_by_organisation_id": organisations[i % len(organisations)],
        "recorded_by": AUTHOR,
        "referral_due_on": received + timedelta(days=math.ceil(hours / 24)),
        "referred_to_id": referred_to,
        "first_referred_on": days.get("referred"),
        "referred_on": days.get("referred"),
        "response_due_on": days["referred"] + timedelta(30) if referred_to else None,
        "accepted_on": days.get("accepted"),
        "response": "volume: answered" if "responded" in days else None,
        "response_method": "phone_call" if "responded" in days else None,
        "responded_on": days.get("responded"),
        "outcome": outcome,
        "outcome_note": "volume: noted" if outcome in ("adjusted", "no_change_needed") else None,
        "closed_on": days.get("closed"),
        "created_at": _at(received),
        "updated_at": _at(days[path[-1]]),
    }
    steps = [
        {
            "complaint_id": record["id"],
            "from_status": path[n - 1] if n else None,
            "to_status": step,
            "on": days[step],
            "note": None,
            "details": "{}",
            "recorded_by": AUTHOR,
            "recorded_at": _at(days[step]),
        }
        for n, step in enumerate(path)
    ]
    return record, steps
