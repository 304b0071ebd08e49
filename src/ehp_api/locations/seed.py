"""Locations and focus areas from `seed/locations.yaml` and `seed/focus_areas.yaml`."""

from typing import Any

from sqlmodel import Session, select

from ehp_api.core.seeding import SeedReport, sync_links, upsert
from ehp_api.locations.models import FocusArea, FocusAreaMember, FocusAreaVersion, Location


def load_locations(session: Session, report: SeedReport, entries: list[dict[str, Any]]) -> None:
    by_pcode: dict[str, Location] = {}
    for entry in sorted(entries, key=lambda e: e["level"]):
        parent = by_pcode[entry["parent"]] if entry.get("parent") else None
        values = {
            "name": entry["name"],
            "level": entry["level"],
            "parent_id": parent.id if parent else None,
        }
        by_pcode[entry["pcode"]] = upsert(
            session, report, Location, {"pcode": entry["pcode"]}, values
        )


def load_focus_areas(session: Session, report: SeedReport, entries: list[dict[str, Any]]) -> None:
    location_ids = dict(session.exec(select(Location.pcode, Location.id)).all())
    for entry in entries:
        values = {k: entry.get(k) for k in ("name_fr", "name_en", "description")}
        area = upsert(session, report, FocusArea, {"code": entry["code"]}, values)
        for version_entry in entry["versions"]:
            version = upsert(
                session,
                report,
                FocusAreaVersion,
                {"focus_area_id": area.id, "valid_from": version_entry["valid_from"]},
                {"note": version_entry.get("note")},
            )
            desired = {location_ids[p]: {} for p in version_entry["pcodes"]}
            existing = session.exec(
                select(FocusAreaMember).where(FocusAreaMember.version_id == version.id)
            ).all()
            sync_links(
                session,
                report,
                existing,
                desired,
                key_of=lambda m: m.location_id,
                make=lambda key, _v, vid=version.id: FocusAreaMember(
                    version_id=vid, location_id=key
                ),
            )
