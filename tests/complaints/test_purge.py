"""Retention: `ehp-api purge-identities` erases the identity of complaints closed longer ago
than the retention delay, keeps everything else, audits each erasure, and is safe to run twice."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from ehp_api.audit.models import AuditEvent
from ehp_api.cli import app
from ehp_api.complaints import purge, service, workflow
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.models import Complaint
from ehp_api.complaints.schemas import ComplaintCreate, ComplaintTransitionIn
from ehp_api.core.config import get_settings
from ehp_api.core.permissions import Role
from ehp_api.core.principal import PrincipalKind, for_role, system_principal
from ehp_api.models import get_engine
from ehp_api.organisations.models import Organisation
from tests.complaints.conftest import BASE, complaint, create, days_ago, move, named
from tests.conftest import TEST_ENCRYPTION_KEY


def closed(client: TestClient, closed_days_ago: int, **overrides: object) -> int:
    complaint_id = create(client, received_on=days_ago(closed_days_ago + 1), **overrides)["id"]
    move(client, complaint_id, "closed", outcome="not_in_scope", on=days_ago(closed_days_ago))
    return int(complaint_id)


class TestPurge:
    def test_erases_only_what_is_past_the_delay_and_keeps_the_rest(
        self, hcr: TestClient, psea: TestClient, session: Session
    ) -> None:
        old = closed(hcr, 400, complainant=named())
        boundary = closed(hcr, 365, complainant=named())
        recent = closed(hcr, 100, complainant=named())
        still_open = create(hcr, received_on=days_ago(500), complainant=named())["id"]
        anonymous = closed(hcr, 400)
        assert purge.purge_identities(session, system_principal(), 365) == [old]
        record = psea.get(f"{BASE}/{old}").json()
        assert record["complainant"]["identity_on_file"] is False
        assert record["complainant"]["identity_purged_at"] is not None
        assert "name" not in record["complainant"] or record["complainant"]["name"] is None
        assert (record["category"], record["complainant"]["sex"], record["outcome"]) == (
            "assistance_complaint", "f", "not_in_scope"
        )  # fmt: skip
        for kept in (boundary, recent, still_open):
            assert psea.get(f"{BASE}/{kept}").json()["complainant"]["name"] == "Aminata Diallo"
        assert psea.get(f"{BASE}/{anonymous}").json()["complainant"]["identity_purged_at"] is None

    def test_is_audited_and_safe_to_run_twice(self, hcr: TestClient, session: Session) -> None:
        old = closed(hcr, 400, complainant=named())
        assert purge.purge_identities(session, system_principal(), 365) == [old]
        assert purge.purge_identities(session, system_principal(), 365) == []
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "complaint.identity_purge")
        ).all()
        assert [(e.entity_id, e.changes["identity"]) for e in events] == [
            (str(old), {"old": "***", "new": None})
        ]
        assert events[0].principal_kind == "system"


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    monkeypatch.setenv("EHP_DATABASE_URL", url)
    monkeypatch.setenv("EHP_ENCRYPTION_KEY", TEST_ENCRYPTION_KEY)
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["seed"]).exit_code == 0
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_the_command_purges_then_finds_nothing(cli_database: str) -> None:
    with Session(get_engine(), expire_on_commit=False) as session, session.begin():
        hcr = session.exec(select(Organisation).where(Organisation.code == "HCR")).one()
        clerk = for_role(PrincipalKind.user, 1, "clerk@hcr", hcr.id or 0, "HCR", Role.partner)
        data = ComplaintCreate.model_validate(
            complaint(received_on=days_ago(401), complainant=named())
        )
        cipher = IdentityCipher(get_settings().encryption_key)
        record, _ = service.create(session, clerk, cipher, data)
        step = ComplaintTransitionIn(to="closed", on=days_ago(400), outcome="not_in_scope")
        workflow.transition(session, clerk, record.id or 0, step)
    runner = CliRunner()
    first = runner.invoke(app, ["purge-identities"])
    assert first.exit_code == 0, first.output
    assert "Identity erased from 1 complaint(s) closed more than 365 days ago." in first.output
    assert "from 0 complaint(s)" in runner.invoke(app, ["purge-identities"]).output
    with Session(get_engine()) as session:
        stored = session.exec(select(Complaint)).one()
        assert (stored.identity_token, stored.category) == (None, "assistance_complaint")
