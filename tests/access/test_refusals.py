"""Refused logins: counted per (account, address), one audit event when they start, one summary
with the count when `purge-expired` finds them ended."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from ehp_api.access import refusals
from ehp_api.access.models import LoginRefusal
from ehp_api.audit.models import AuditEvent
from ehp_api.core.db import utcnow


def summaries(session: Session) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == refusals.SUMMARY)
    return list(session.exec(query).all())


def end(session: Session, account: str) -> None:
    session.execute(
        update(LoginRefusal)
        .where(LoginRefusal.account == account)  # type: ignore[arg-type]
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )


def test_only_the_first_refusal_asks_for_an_audit_event(session: Session) -> None:
    firsts = [refusals.count(session, "a@x.example", "192.0.2.1", 60) for _ in range(4)]
    assert firsts == [True, False, False, False]
    assert refusals.count(session, "a@x.example", "192.0.2.2", 60) is True
    assert refusals.count(session, refusals.ANY, "192.0.2.1", 60) is True


def test_a_later_refusal_extends_the_run_an_earlier_one_does_not_shorten_it(
    session: Session,
) -> None:
    refusals.count(session, "a@x.example", "192.0.2.1", 30)
    refusals.count(session, "a@x.example", "192.0.2.1", 3600)
    refusals.count(session, "a@x.example", "192.0.2.1", 5)
    row = session.exec(select(LoginRefusal)).one()
    assert row.count == 3
    assert row.expires_at > utcnow() + timedelta(minutes=59)


def test_purge_summarises_ended_runs_once_and_keeps_live_ones(session: Session) -> None:
    for _ in range(7):
        refusals.count(session, "ended@x.example", "192.0.2.1", 60)
    refusals.count(session, "live@x.example", "192.0.2.1", 60)
    end(session, "ended@x.example")

    assert refusals.summarise_ended(session) == 1
    [summary] = summaries(session)
    assert summary.principal_name == "ended@x.example"
    facts = {name: change["new"] for name, change in summary.changes.items()}
    assert facts["refused"] == 7
    assert (facts["reason"], facts["client_ip"]) == ("rate_limited", "192.0.2.1")
    assert facts["first_at"] <= facts["last_at"]
    assert [row.account for row in session.exec(select(LoginRefusal))] == ["live@x.example"]
    assert refusals.summarise_ended(session) == 0
    # A new run after the summary is audited again when it starts.
    assert refusals.count(session, "ended@x.example", "192.0.2.1", 60) is True


def test_a_claimed_account_longer_than_the_column_is_counted(session: Session) -> None:
    long_name = "x" * 5000 + "@x.example"
    assert refusals.count(session, long_name, "192.0.2.1", 60) is True
    assert refusals.count(session, long_name, "192.0.2.1", 60) is False
