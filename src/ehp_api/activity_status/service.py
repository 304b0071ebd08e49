"""Posting, amending and reading activity statuses."""

from typing import Any

from sqlmodel import Session, select

from ehp_api.activity_status import policy
from ehp_api.activity_status.models import ActivityStatus
from ehp_api.activity_status.render import to_public
from ehp_api.activity_status.schemas import ActivityStatusIn, ActivityStatusPublic
from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, InvalidInput, InvalidParam
from ehp_api.core.i18n import N_, tr
from ehp_api.core.principal import Principal
from ehp_api.core.row_locks import lock_for_update
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.web.validators import check_if_match
from ehp_api.workplan import service as workplan_service
from ehp_api.workplan.models import Activity

_TRACKED = ("status", "comment", "evidence")


def _quarter(session: Session, code: str) -> Period:
    period = periods_service.get_by_code(session, code)
    if period.kind != PeriodKind.quarter:
        reason = tr("a status is given for a quarter (2021Q2), not a year")
        param = InvalidParam(
            location="path", field="period", reason=reason, code="quarter_required"
        )
        raise InvalidInput(reason, errors=[param])
    year = periods_service.get_by_code(session, str(period.year))
    lock = periods_service.lock_of(period, year)
    if lock is not None:
        raise Conflict(
            tr(
                "Period {code} is locked since {value} by {locked_by}.",
                code=code,
                value=lock.locked_at.isoformat(),
                locked_by=lock.locked_by,
            )
        )
    return period


def _organisation_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = session.exec(select(Organisation.id).where(Organisation.code == code)).first()
    if found is None:
        param = InvalidParam(
            location="body", field="organisation", reason=tr("unknown"), code="unknown_organisation"
        )
        raise InvalidInput(
            tr(
                "No organisation has the code {code!r}.",
                code=code,
            ),
            errors=[param],
        )
    return found


def _snapshot(row: ActivityStatus) -> dict[str, Any]:
    return {field: getattr(row, field) for field in _TRACKED}


def give(
    session: Session,
    principal: Principal,
    code: str,
    period_code: str,
    data: ActivityStatusIn,
    if_match: str | None = None,
) -> tuple[ActivityStatusPublic, bool]:
    """Post or change a lead's status of the activity for a quarter; (status, created).
    `if_match` is held against the status as it committed (none yet: 412)."""
    activity = workplan_service.get_activity(session, code)
    # The status row may not exist yet: the activity's row is what two givers lock, so the
    # second finds the first one's row and changes it instead of inserting a duplicate.
    lock_for_update(session, Activity, activity.id)
    period = _quarter(session, period_code)
    named = _organisation_id(session, data.organisation)
    organisation = policy.organisation_for(session, principal, activity, named)
    row = session.exec(
        select(ActivityStatus).where(
            ActivityStatus.activity_id == activity.id,
            ActivityStatus.period_id == period.id,
            ActivityStatus.organisation_id == organisation,
        )
    ).first()
    if if_match is not None:
        check_if_match(
            if_match, None if row is None else to_public(session, [row])[0], N_("status")
        )
    created = row is None
    before = None if row is None else _snapshot(row)
    if row is None:
        row = ActivityStatus(
            activity_id=activity.id or 0, period_id=period.id or 0, organisation_id=organisation,
            status=data.status, reported_by=principal.name,
        )  # fmt: skip
        session.add(row)
    row.status, row.comment = data.status, data.comment
    row.evidence = [e.model_dump() for e in data.evidence]
    amends = organisation != principal.organisation_id
    if amends and not created:
        row.amended_by, row.amended_at = principal.name, utcnow()
    else:
        row.reported_by, row.reported_at = principal.name, utcnow()
    session.flush()
    action = (
        "activity_status.create"
        if created
        else ("activity_status.amend" if amends else "activity_status.update")
    )
    where = f"{activity.code}|{period.code}|{organisation}"
    audit.record(
        session, principal, action, "activity_status", where, audit.diff(before, _snapshot(row))
    )
    return to_public(session, [row])[0], created


def list_(session: Session, code: str, period: str | None) -> list[ActivityStatusPublic]:
    activity = workplan_service.get_activity(session, code)
    stmt = select(ActivityStatus).where(ActivityStatus.activity_id == activity.id)
    if period is not None:
        quarters = periods_service.quarters_of(session, period, query_field="period")
        stmt = stmt.where(ActivityStatus.period_id.in_([q.id for q in quarters]))
    return to_public(session, session.exec(stmt.order_by(ActivityStatus.id)).all())


def latest(session: Session, quarters: list[Period]) -> dict[str, list[ActivityStatusPublic]]:
    """Per activity code: each lead's latest status among the quarters (one query, and codes)."""
    order = {q.id: q.starts_on for q in quarters}
    rows = session.exec(
        select(ActivityStatus).where(ActivityStatus.period_id.in_(list(order)))
    ).all()
    newest: dict[tuple[int, int], ActivityStatus] = {}
    for row in rows:
        key = (row.activity_id, row.organisation_id)
        if key not in newest or order[row.period_id] > order[newest[key].period_id]:
            newest[key] = row
    found: dict[str, list[ActivityStatusPublic]] = {}
    for status in sorted(to_public(session, newest.values()), key=lambda s: s.organisation):
        found.setdefault(status.activity, []).append(status)
    return found
