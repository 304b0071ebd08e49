"""Default trigger rules from `seed/trigger_rules.yaml`, created only where none exists."""

from typing import Any

from sqlmodel import Session, select

from ehp_api.alerts.models import TriggerKind, TriggerRule
from ehp_api.core.seeding import SeedReport


def load_rules(session: Session, report: SeedReport, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        if session.exec(select(TriggerRule.id).where(TriggerRule.code == entry["code"])).first():
            report.add("trigger_rules", "unchanged")
            continue
        session.add(
            TriggerRule(
                **{**entry, "kind": TriggerKind(entry["kind"])}, version=1, created_by="seed"
            )
        )
        report.add("trigger_rules", "created")
    session.flush()
