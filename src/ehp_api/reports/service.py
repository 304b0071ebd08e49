"""What the note says, read from the dashboard as the caller gets it and from the register.

Every figure comes from `dashboard.service.shown` for the caller (kept snapshots included), so
the note equals the dashboard: a cell the dashboard suppresses for the caller's role is
suppressed in the note, and SEA allegations are counted only where the dashboard counts them.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from ehp_api.core.principal import Principal
from ehp_api.dashboard import service as dashboard_service
from ehp_api.dashboard.schemas import Completeness, Dashboard
from ehp_api.locations.models import Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.register import decisions, render
from ehp_api.register.schemas import ActionPointPublic, DecisionPublic
from ehp_api.workplan.models import Activity, ActivityLead

# The charts' span: the quarter and the three before it.
QUARTERS_CHARTED = 4


@dataclass
class Note:
    dashboard: Dashboard  # the quarter
    quarters: list[Dashboard]  # the quarters charted, oldest first, the quarter last
    by_organisation: dict[str, Completeness]  # lead organisation -> its activities' reporting
    decisions: list[DecisionPublic]
    overdue: list[ActionPointPublic]
    overdue_on: date
    places: dict[str, str]  # P-code -> name


def _quarters(session: Session, code: str) -> list[str]:
    target = periods_service.get_by_code(session, code)
    stmt = (
        select(Period.code)
        .where(Period.kind == PeriodKind.quarter, Period.starts_on <= target.starts_on)
        .order_by(Period.starts_on.desc())
        .limit(QUARTERS_CHARTED)
    )
    return list(reversed(session.exec(stmt).all()))


def by_organisation(session: Session, board: Dashboard) -> dict[str, Completeness]:
    """Each lead organisation's share of the reporting: the completeness of the activities it
    leads, as the dashboard gives it (an activity with two leads counts for both)."""
    leads: dict[str, list[str]] = defaultdict(list)
    stmt = (
        select(Activity.code, Organisation.code)
        .join(ActivityLead, ActivityLead.activity_id == Activity.id)
        .join(Organisation, Organisation.id == ActivityLead.organisation_id)
    )
    for code, organisation in session.exec(stmt).all():
        leads[code].append(organisation)
    totals: dict[str, Completeness] = {}
    for axis in board.axes:
        for objective in axis.objectives:
            for activity in objective.activities:
                done = activity.completeness
                if done.planned == 0:
                    continue
                for organisation in leads[activity.code]:
                    total = totals.setdefault(organisation, Completeness(planned=0, reported=0))
                    total.planned += done.planned
                    total.reported += done.reported
    return dict(sorted(totals.items()))


def gather(
    session: Session, principal: Principal, period: str, threshold: int, max_age: timedelta
) -> Note:
    """The note's content for this caller: five dashboards' worth of figures at most (each
    kept once computed), the register's decisions of the quarter and what is overdue today."""
    codes = _quarters(session, period)
    boards = [
        Dashboard.model_validate(dashboard_service.shown(session, principal, q, threshold, max_age))
        for q in codes
    ]
    board = boards[-1]
    today = date.today()
    return Note(
        dashboard=board,
        quarters=boards,
        by_organisation=by_organisation(session, board),
        decisions=render.decisions(session, decisions.decided_in(session, period)),
        overdue=render.action_points(session, decisions.overdue_points(session, today)),
        overdue_on=today,
        places=dict(session.exec(select(Location.pcode, Location.name)).all()),
    )
