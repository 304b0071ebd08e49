"""Whether a place is in a focus area on a date follows the area's versions, kept per version of
the reference data: a version added later is seen by the next question."""

from datetime import date

from sqlmodel import Session, select

from ehp_api.locations import service
from ehp_api.locations.models import LIPTAKO, FocusArea, FocusAreaMember, FocusAreaVersion, Location


def test_membership_follows_the_versions_even_one_added_after_a_question(
    session: Session,
) -> None:
    area = session.exec(select(FocusArea).where(FocusArea.code == LIPTAKO)).one()
    first = min(v.valid_from for v in area.versions)
    member_id = next(iter(area.versions[0].members)).location_id
    member = session.get(Location, member_id)
    cercle = session.exec(select(Location).where(Location.parent_id == member_id)).first()
    outside = session.exec(
        select(Location).where(Location.parent_id.is_(None), Location.id != member_id)  # type: ignore[union-attr]
    ).first()
    assert member is not None
    assert cercle is not None
    assert outside is not None
    assert service.is_in_focus_area(session, LIPTAKO, member, first)
    assert service.is_in_focus_area(session, LIPTAKO, cercle, first)  # through its region
    assert not service.is_in_focus_area(session, LIPTAKO, member, date(first.year - 1, 1, 1))
    assert not service.is_in_focus_area(session, LIPTAKO, outside, date(2031, 6, 1))
    assert not service.is_in_focus_area(session, "no_such_area", member, first)

    moved = FocusAreaVersion(focus_area_id=area.id or 0, valid_from=date(2031, 1, 1))
    session.add(moved)
    session.flush()
    session.add(FocusAreaMember(version_id=moved.id or 0, location_id=outside.id or 0))
    session.flush()

    assert service.is_in_focus_area(session, LIPTAKO, outside, date(2031, 6, 1))
    assert not service.is_in_focus_area(session, LIPTAKO, outside, date(2030, 12, 31))
    assert not service.is_in_focus_area(session, LIPTAKO, member, date(2031, 6, 1))
    assert service.is_in_focus_area(session, LIPTAKO, member, date(2030, 12, 31))
