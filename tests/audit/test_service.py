"""The audit log: masked diffs, and a table the database refuses to change."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ehp_api.audit import service
from ehp_api.core.principal import system_principal


class TestDiff:
    def test_only_changed_fields(self) -> None:
        changes = service.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None})
        assert changes == {"b": {"old": 2, "new": 3}}

    def test_sensitive_values_are_masked(self) -> None:
        changes = service.diff({"password_hash": "x"}, {"password_hash": "y"}, {"password_hash"})
        assert changes == {"password_hash": {"old": "***", "new": "***"}}

    def test_creation_diff(self) -> None:
        assert service.diff(None, {"name": "k"}) == {"name": {"old": None, "new": "k"}}


class TestAppendOnly:
    @pytest.fixture
    def event_id(self, session: Session) -> int:
        event = service.record(session, system_principal(), "test.write", "thing", 1)
        session.flush()
        assert event.id is not None
        return event.id

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_events SET action = 'tampered' WHERE id = :id",
            "DELETE FROM audit_events WHERE id = :id",
        ],
    )
    def test_the_database_refuses_to_change_a_row(
        self, session: Session, event_id: int, statement: str
    ) -> None:
        savepoint = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement), {"id": event_id})
        savepoint.rollback()
        action = session.execute(
            text("SELECT action FROM audit_events WHERE id = :id"), {"id": event_id}
        ).scalar_one()
        assert action == "test.write"

    def test_postgresql_refuses_truncate(self, session: Session, event_id: int) -> None:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("TRUNCATE exists on PostgreSQL only")
        savepoint = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("TRUNCATE audit_events"))
        savepoint.rollback()
