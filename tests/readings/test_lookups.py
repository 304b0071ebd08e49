"""What a batch is checked against, read as plain columns, says what the entities say."""

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from ehp_api.indicators.models import Indicator
from ehp_api.locations.models import Location
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period, PeriodLock
from ehp_api.readings import lookups
from ehp_api.readings.lookups import LIPTAKO, OTHER
from tests.locations.liptako import add_version, seeded


def test_indicators_carry_their_breakdowns_options_and_schedule(session: Session) -> None:
    loaded = lookups.load(session).indicators
    entities = session.exec(select(Indicator)).all()
    assert set(loaded) == {i.code for i in entities}
    assert any(info.categories for info in loaded.values())
    for indicator in entities:
        info = loaded[indicator.code]
        assert (info.id, info.measure, info.computed_from) == (
            indicator.id,
            indicator.measure,
            indicator.computed_from,
        )
        assert info.categories == {
            d.category.code: frozenset(o.code for o in d.category.options)
            for d in indicator.disaggregations
        }
        assert info.planned_period_ids == {s.period_id for s in indicator.schedule}


def test_periods_carry_their_lock_and_locations_their_region(session: Session) -> None:
    quarter = session.exec(select(Period).where(Period.code == "2021Q2")).one()
    session.add(PeriodLock(period_id=quarter.id or 0, locked_by="ehp@example.org", reason="sent"))
    session.flush()
    loaded = lookups.load(session)
    assert loaded.periods["2021Q2"].lock is not None
    assert loaded.periods["2021Q2"].lock.reason == "sent"
    assert loaded.periods["2021Q3"].lock is None
    assert loaded.periods["2021"].kind == "year"
    for location in session.exec(select(Location)).all():
        region = location.parent.id if location.parent else location.id
        assert loaded.locations[location.pcode].region_id == region


def test_liptako_gourma_membership_follows_its_versions_even_an_empty_one(
    session: Session,
) -> None:
    liptako = seeded(session)
    member, outside = liptako.member, liptako.outside
    add_version(session, liptako.area, date(2030, 1, 1))
    add_version(session, liptako.area, date(2031, 1, 1), outside)

    loaded = lookups.load(session)
    in_area = loaded.locations[member.pcode]
    elsewhere = loaded.locations[outside.pcode]
    assert [v for v, _ in loaded.liptako_versions][-2:] == [date(2030, 1, 1), date(2031, 1, 1)]
    assert loaded.liptako_versions[-2][1] == frozenset()
    assert loaded.zone_of(in_area, liptako.first) == LIPTAKO
    assert loaded.zone_of(in_area, date(2030, 6, 1)) == OTHER
    assert loaded.zone_of(elsewhere, date(2030, 6, 1)) == OTHER
    assert loaded.zone_of(elsewhere, date(2031, 6, 1)) == LIPTAKO
    assert loaded.zone_of(in_area, date(2031, 6, 1)) == OTHER


def test_lookups_are_kept_per_version_of_the_reference_data(session: Session) -> None:
    """Read once per version: the same object again, until a lock (a reference change) is flushed,
    and the lock it then carries is plain values, still readable after the transaction."""
    first = lookups.load(session)
    assert lookups.load(session) is first
    quarter = session.exec(select(Period).where(Period.code == "2021Q3")).one()
    session.add(PeriodLock(period_id=quarter.id or 0, locked_by="ehp@example.org", reason="sent"))
    session.flush()
    locked = lookups.load(session)
    assert locked is not first
    assert first.periods["2021Q3"].lock is None
    session.commit()
    lock = locked.periods["2021Q3"].lock
    assert lock is not None
    assert (lock.locked_by, lock.reason) == ("ehp@example.org", "sent")
    assert lookups.load(session) is locked


def test_a_lock_committed_during_a_write_is_seen_by_its_check(engine: Engine) -> None:
    """A write's transaction may have read the reference data's version before another worker
    locked a period: the lookups after `share` read the version again and carry the lock."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a lock committed beside a transaction is a PostgreSQL matter")
    with Session(engine) as writer, Session(engine) as secretariat:
        assert lookups.load(writer).periods["2022Q4"].lock is None  # kept under this version
        quarter = secretariat.exec(select(Period).where(Period.code == "2022Q4")).one()
        secretariat.add(PeriodLock(period_id=quarter.id or 0, locked_by="ehp@example.org"))
        secretariat.commit()
        try:
            periods_service.share(writer, ["2022Q4"])
            lock = lookups.load(writer).periods["2022Q4"].lock
            assert lock is not None
            assert lock.locked_by == "ehp@example.org"
            writer.rollback()
        finally:
            secretariat.delete(secretariat.exec(select(PeriodLock)).one())
            secretariat.commit()
