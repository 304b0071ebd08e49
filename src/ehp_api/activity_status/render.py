"""Records to response shapes."""

from collections.abc import Iterable

from sqlmodel import Session, select

from ehp_api.activity_status.models import ActivityStatus
from ehp_api.activity_status.schemas import ActivityStatusPublic, EvidenceLink
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period
from ehp_api.workplan.models import Activity


def to_public(session: Session, rows: Iterable[ActivityStatus]) -> list[ActivityStatusPublic]:
    rows = list(rows)
    if not rows:
        return []
    codes = {
        "activities": dict(session.exec(select(Activity.id, Activity.code)).all()),
        "periods": dict(session.exec(select(Period.id, Period.code)).all()),
        "organisations": dict(session.exec(select(Organisation.id, Organisation.code)).all()),
    }
    return [
        ActivityStatusPublic(
            activity=codes["activities"][r.activity_id],
            period=codes["periods"][r.period_id],
            organisation=codes["organisations"][r.organisation_id],
            status=r.status,
            comment=r.comment,
            evidence=[EvidenceLink(**e) for e in r.evidence],
            reported_by=r.reported_by,
            reported_at=r.reported_at,
            amended_by=r.amended_by,
            amended_at=r.amended_at,
        )
        for r in rows
    ]
