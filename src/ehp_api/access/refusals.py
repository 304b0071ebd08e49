"""Logins refused by a rate limit: counted, audited when they start and summarised when they end.

An attacker's flood of 429s would otherwise write one append-only audit row each. Instead each
(account, address) keeps one `login_refusals` row that counts; the first refusal is audited at
once (an administrator learns of the attack while it runs), and `ehp-api purge-expired` turns
each ended row into one summary event with the count and deletes it.
"""

from datetime import timedelta

from sqlalchemy import RowMapping, case, delete
from sqlmodel import Session

from ehp_api.access.models import LoginRefusal
from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.web.ratelimit import insert_for

ANY = "*"
STARTED = "auth.login_failed"
SUMMARY = "auth.login_refused"

_table = LoginRefusal.__table__  # type: ignore[attr-defined]


def count(session: Session, account: str, client_ip: str, retry_after: int) -> bool:
    """Count one refusal of (account, address) in the caller's transaction; True when it is the
    first one since the last summary (the caller audits it)."""
    now = utcnow()
    insert = insert_for(session.get_bind().dialect.name)(_table).values(
        account=account[:254],
        client_ip=client_ip[:64],
        count=1,
        first_at=now,
        last_at=now,
        expires_at=now + timedelta(seconds=retry_after),
    )
    later = insert.excluded.expires_at > _table.c.expires_at
    upsert = insert.on_conflict_do_update(
        index_elements=[_table.c.account, _table.c.client_ip],
        set_={
            "count": _table.c.count + 1,
            "last_at": insert.excluded.last_at,
            "expires_at": case((later, insert.excluded.expires_at), else_=_table.c.expires_at),
        },
    ).returning(_table.c.count)
    return int(session.execute(upsert).scalar_one()) == 1


def summarise_ended(session: Session) -> int:
    """One audit event per (account, address) whose refusals have ended, which are forgotten;
    in the caller's transaction; return how many."""
    # DELETE .. RETURNING: a refusal counted meanwhile extends its row, which is then not deleted.
    ended = (
        session.execute(delete(_table).where(_table.c.expires_at <= utcnow()).returning(*_table.c))
        .mappings()
        .all()
    )
    for row in ended:
        audit.record(session, audit.anonymous(row["account"]), SUMMARY, "user", None, _changes(row))
    return len(ended)


def _changes(row: RowMapping) -> dict[str, dict[str, object]]:
    facts = {
        "reason": "rate_limited",
        "client_ip": row["client_ip"],
        "refused": row["count"],
        "first_at": row["first_at"].isoformat(),
        "last_at": row["last_at"].isoformat(),
    }
    return {name: {"old": None, "new": value} for name, value in facts.items()}
