"""Organisations from `seed/organisations.yaml`."""

from typing import Any

from sqlmodel import Session

from ehp_api.core.seeding import SeedReport, upsert
from ehp_api.organisations.models import Organisation, OrganisationKind


def load(session: Session, report: SeedReport, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        values = {
            "acronym": entry.get("acronym"),
            "name_fr": entry["name_fr"],
            "name_en": entry.get("name_en"),
            "kind": OrganisationKind(entry["kind"]),
            "ehp_member": bool(entry.get("ehp_member", False)),
            "aliases": list(entry.get("aliases") or []),
            "description": entry.get("description"),
        }
        upsert(session, report, Organisation, {"code": entry["code"]}, values)
