"""The dashboard's complaints section: counts only, confidential cases as one suppressed number.

Every count goes through `complaints.policy`: outside the PSEA network no SEA allegation is in any
of them, and the other confidential complaints are in `confidential` alone (totals, flows and
breakdowns leave them out), so no difference of two figures gives back what is suppressed. A
year's `confidential` is suppressed too when one of its quarters' is: the year minus the
quarters shown would give back the quarter hidden."""

import statistics
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from ehp_api.complaints import policy
from ehp_api.complaints.models import Complaint, Outcome
from ehp_api.dashboard.alerts_section import suppress
from ehp_api.dashboard.schemas import ComplaintsSection, Count


def _in(column: object, starts_on: date, ends_on: date) -> object:
    return and_(column >= starts_on, column <= ends_on)  # type: ignore[operator]


def _count(session: Session, *where: Any) -> int:
    return session.exec(select(func.count()).select_from(Complaint).where(*where)).one()


def _flow(session: Session, starts_on: date, ends_on: date, counted: Any) -> dict[str, int]:
    """Referred, responded, adjusted in the period (each a count over its date's index), and
    overdue at its end (the one count that reads every complaint received by then)."""
    until = min(ends_on, date.today())
    late_referral = and_(
        Complaint.received_on <= ends_on,
        Complaint.referral_due_on < until,
        or_(
            Complaint.first_referred_on.is_(None),  # type: ignore[union-attr]
            Complaint.first_referred_on > until,  # type: ignore[operator]
        ),
    )
    late_response = and_(
        Complaint.response_due_on < until,  # type: ignore[operator]
        or_(Complaint.responded_on.is_(None), Complaint.responded_on > until),  # type: ignore[union-attr,operator]
    )
    return {
        "referred": _count(session, counted, _in(Complaint.first_referred_on, starts_on, ends_on)),
        "responded": _count(session, counted, _in(Complaint.responded_on, starts_on, ends_on)),
        "adjusted": _count(
            session,
            counted,
            _in(Complaint.closed_on, starts_on, ends_on),
            Complaint.outcome == Outcome.adjusted,
        ),
        "overdue": _count(session, counted, or_(late_referral, late_response)),
    }


def _median_days_to_response(
    session: Session, starts_on: date, ends_on: date, counted: Any
) -> float | None:
    rows = session.exec(
        select(Complaint.received_on, Complaint.responded_on).where(
            counted, _in(Complaint.responded_on, starts_on, ends_on)
        )
    ).all()
    days = [(responded - received).days for received, responded in rows if responded]
    return statistics.median(days) if days else None


def _confidential(
    session: Session, spans: list[tuple[date, date]], threshold: int, with_sea: bool
) -> Count:
    """The confidential complaints received in the period (`spans`: its quarters), suppressed
    when small, or when the count of one of its quarters is."""
    apart = policy.counted_apart(with_sea)
    counts = [_count(session, apart, _in(Complaint.received_on, s, e)) for s, e in spans]
    small = [n for n in counts if threshold and 0 < n < threshold]
    if small:
        return Count(key="confidential", count=None, suppressed=True)
    return Count(key="confidential", count=sum(counts))


def section(
    session: Session,
    spans: list[tuple[date, date]],
    threshold: int,
    with_sea: bool,
) -> ComplaintsSection:
    """`spans`: the period's quarters, in order (one for a quarter's dashboard)."""
    starts_on, ends_on = spans[0][0], spans[-1][1]
    counted = policy.counted(with_sea)
    received = session.exec(
        select(Complaint.channel, Complaint.category, Complaint.sensitive, func.count())
        .where(counted, _in(Complaint.received_on, starts_on, ends_on))
        .group_by(Complaint.channel, Complaint.category, Complaint.sensitive)
    ).all()
    channels: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    total = 0
    for channel, category, sensitive, n in received:
        total += n  # confidential ones too, for the PSEA focal point only (`counted`)
        if sensitive:
            continue
        channels[str(channel)] += n
        categories[str(category)] += n
    excluded = [] if with_sea else [policy.EXCLUDES_SEA, policy.EXCLUDES_CONFIDENTIAL]
    return ComplaintsSection(
        received=total,
        **_flow(session, starts_on, ends_on, counted),
        median_days_to_response=_median_days_to_response(session, starts_on, ends_on, counted),
        by_channel=suppress(channels, None),
        by_category=suppress(categories, None),
        confidential=_confidential(session, spans, threshold, with_sea),
        excludes_sea=not with_sea,
        excludes_confidential=not with_sea,
        notes=[policy.NOTES[flag] for flag in excluded],
    )
