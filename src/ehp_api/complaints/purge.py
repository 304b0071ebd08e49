"""Retention: the identity of a closed complaint is erased once its delay has passed.

Only the identity token goes (name, phone); the complaint, its category, place, dates, outcome,
the complainant's sex and age group stay, so every statistic is unchanged. Running it again
finds nothing left to erase.
"""

from datetime import date, timedelta

from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.complaints.models import Complaint, ComplaintStatus
from ehp_api.core.db import utcnow
from ehp_api.core.principal import Principal


def purge_identities(
    session: Session, actor: Principal, retention_days: int, today: date | None = None
) -> list[int]:
    """Erase the identity of complaints closed more than `retention_days` ago; their ids."""
    cutoff = (today or utcnow().date()) - timedelta(days=retention_days)
    complaints = session.exec(
        select(Complaint)
        .where(
            Complaint.status == ComplaintStatus.closed,
            Complaint.closed_on < cutoff,  # type: ignore[operator]
            Complaint.identity_token.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Complaint.id)  # type: ignore[arg-type]
    ).all()
    now = utcnow()
    for complaint in complaints:
        complaint.identity_token, complaint.identity_purged_at = None, now
        changes = {
            "identity": {"old": audit.MASK, "new": None},
            "identity_purged_at": {"old": None, "new": now.isoformat()},
        }
        audit.record(
            session,
            actor,
            "complaint.identity_purge",
            "complaint",
            complaint.id,
            changes,
            confidential=complaint.sensitive,
        )
    session.flush()
    return [c.id for c in complaints if c.id is not None]
