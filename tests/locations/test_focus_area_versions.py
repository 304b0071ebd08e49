"""Whether a place is in a focus area on a date follows the area's versions, kept per version of
the reference data: a version added later is seen by the next question."""

from datetime import date

from sqlmodel import Session, select

from ehp_api.locations import service
from ehp_api.locations.models import LIPTAKO, Location
from tests.locations.liptako import add_version, seeded


def test_membership_follows_the_versions_even_one_added_after_a_question(
    session: Session,
) -> None:
    liptako = seeded(session)
    first, member, outside = liptako.first, liptako.member, liptako.outside
    cercle = session.exec(select(Location).where(Location.parent_id == member.id)).first()
    assert cercle is not None
    assert service.is_in_focus_area(session, LIPTAKO, member, first)
    assert service.is_in_focus_area(session, LIPTAKO, cercle, first)  # through its region
    assert not service.is_in_focus_area(session, LIPTAKO, member, date(first.year - 1, 1, 1))
    assert not service.is_in_focus_area(session, LIPTAKO, outside, date(2031, 6, 1))
    assert not service.is_in_focus_area(session, "no_such_area", member, first)

    add_version(session, liptako.area, date(2031, 1, 1), outside)

    assert service.is_in_focus_area(session, LIPTAKO, outside, date(2031, 6, 1))
    assert not service.is_in_focus_area(session, LIPTAKO, outside, date(2030, 12, 31))
    assert not service.is_in_focus_area(session, LIPTAKO, member, date(2031, 6, 1))
    assert service.is_in_focus_area(session, LIPTAKO, member, date(2030, 12, 31))
