"""`reading_totals` under concurrent reviews on PostgreSQL: each request commits on its own, and
the refreshes of one indicator and organisation queue on their advisory lock, so the kept
totals still equal a rebuild from the readings."""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from ehp_api.access.models import ApiKey
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal
from ehp_api.locations.models import Location
from ehp_api.main import create_app
from ehp_api.organisations.models import Organisation
from ehp_api.progress import kept
from ehp_api.progress.models import ReadingTotal
from ehp_api.readings import review
from ehp_api.readings.models import Reading, ReadingStatus
from tests import builders, helpers

ORGANISATION, INDICATOR, PERIOD = "OIM", "1.1.1.2", "2022Q2"


def totals_of(session: Session) -> list[tuple[Any, ...]]:
    columns = (ReadingTotal.indicator_id, ReadingTotal.period_id, ReadingTotal.organisation_id)
    columns += (ReadingTotal.zone, ReadingTotal.numerator, ReadingTotal.records)
    return sorted(tuple(r) for r in session.execute(select(*columns)).all())


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[tuple[FastAPI, dict[Role, str]]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions are a PostgreSQL matter; SQLite serialises them")
    audit_before = helpers.last_audit_id(engine)
    with Session(engine) as session, session.begin():
        secrets = {
            Role.partner: builders.api_key(session, Role.partner, ORGANISATION),
            Role.secretariat: builders.api_key(session, Role.secretariat, "OCHA"),
        }
    app = create_app(settings.model_copy(update={"max_in_flight": 50}))  # all at once, none shed
    yield app, secrets
    with Session(engine) as session, session.begin():
        organisation = session.scalars(
            select(Organisation.id).where(Organisation.code == ORGANISATION)
        ).one()
        session.execute(delete(Reading).where(Reading.organisation_id == organisation))  # type: ignore[arg-type]
        session.execute(delete(ApiKey).where(ApiKey.name.like("test %")))  # type: ignore[attr-defined]
        kept.rebuild(session)
    helpers.erase_committed_audit(engine, audit_before)
    app.state.engine.dispose()


def test_concurrent_validations_of_one_indicator_keep_true_totals(
    live: tuple[FastAPI, dict[Role, str]], engine: Engine
) -> None:
    app, secrets = live
    with Session(engine) as session:
        cercles = session.scalars(
            select(Location.pcode).where(Location.level == 2).order_by(Location.pcode).limit(24)
        ).all()
    rows = [
        {"indicator": INDICATOR, "period": PERIOD, "location": p, "value": i + 1}
        for i, p in enumerate(cercles)
    ]
    with TestClient(app, headers=builders.bearer(secrets[Role.partner])) as partner:
        response = partner.post("/api/v1/readings/batch", json={"readings": rows})
        assert response.status_code == 200, response.text
        ids = [r["id"] for r in response.json()["results"]]

    barrier = threading.Barrier(len(ids))
    statuses: list[int] = [0] * len(ids)

    def validate(i: int) -> None:
        with TestClient(app, headers=builders.bearer(secrets[Role.secretariat])) as ocha:
            barrier.wait()
            statuses[i] = ocha.post(f"/api/v1/readings/{ids[i]}/validate").status_code

    threads = [threading.Thread(target=validate, args=(i,)) for i in range(len(ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * len(ids)
    with Session(engine) as session:
        before = totals_of(session)
        kept.rebuild(session)
        assert before == totals_of(session)
        session.rollback()
        ours = session.scalars(
            select(ReadingTotal.numerator)
            .join(Organisation, Organisation.id == ReadingTotal.organisation_id)
            .where(Organisation.code == ORGANISATION)  # type: ignore[arg-type]
        ).all()
    assert sum(ours) == sum(range(1, len(ids) + 1))


def test_a_second_refresh_of_the_same_key_waits_for_the_first_to_commit(
    live: tuple[FastAPI, dict[Role, str]], engine: Engine
) -> None:
    """Without the lock, the second transaction would sum the readings it sees before the first
    commits, and the two would write overlapping totals."""
    app, secrets = live
    rows = [
        {"indicator": INDICATOR, "period": PERIOD, "location": pcode, "value": n}
        for pcode, n in (("ML0701", 1), ("ML0901", 2))
    ]
    with TestClient(app, headers=builders.bearer(secrets[Role.partner])) as partner:
        response = partner.post("/api/v1/readings/batch", json={"readings": rows})
        assert response.status_code == 200, response.text
        first, second = (r["id"] for r in response.json()["results"])

    done = threading.Event()

    def validate_second() -> None:
        with Session(engine) as other:
            review.transition(other, system_principal(), second, ReadingStatus.validated)
            other.commit()
        done.set()

    with Session(engine) as session:
        review.transition(session, system_principal(), first, ReadingStatus.validated)
        thread = threading.Thread(target=validate_second)
        thread.start()
        assert not done.wait(1.0), "the second refresh did not wait for the first"
        session.commit()
    assert done.wait(10.0)
    thread.join()
    with Session(engine) as session:
        before = totals_of(session)
        kept.rebuild(session)
        assert before == totals_of(session)
        session.rollback()
