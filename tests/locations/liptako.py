"""The Liptako-Gourma area as seeded, for tests that give it new versions."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from ehp_api.locations.models import LIPTAKO, FocusArea, FocusAreaMember, FocusAreaVersion, Location


@dataclass
class Seeded:
    area: FocusArea
    first: date  # the first day of its first version
    member: Location  # a region of its first version
    outside: Location  # a region of none of its versions


def seeded(session: Session) -> Seeded:
    area = session.exec(select(FocusArea).where(FocusArea.code == LIPTAKO)).one()
    first = min(area.versions, key=lambda v: v.valid_from)
    members = {m.location_id for v in area.versions for m in v.members}
    member = next(m.location for m in first.members if m.location.parent_id is None)
    outside = session.exec(
        select(Location).where(Location.parent_id.is_(None), Location.id.not_in(members))  # type: ignore[union-attr]
    ).first()
    assert outside is not None
    return Seeded(area, first.valid_from, member, outside)


def add_version(session: Session, area: FocusArea, valid_from: date, *members: Location) -> None:
    """A version of the area from `valid_from` with these members (none: an empty version)."""
    version = FocusAreaVersion(focus_area_id=area.id or 0, valid_from=valid_from)
    session.add(version)
    session.flush()
    session.add_all(
        FocusAreaMember(version_id=version.id or 0, location_id=m.id or 0) for m in members
    )
    session.flush()
