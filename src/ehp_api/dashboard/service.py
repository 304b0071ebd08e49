"""Assembling the dashboard: the plan's progress, then the alerts (a fixed number of queries)."""

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from cachetools import LRUCache
from sqlmodel import Session, select

from ehp_api.activity_status import service as activity_status
from ehp_api.alerts import indicators as alert_indicators
from ehp_api.complaints import policy as complaint_policy
from ehp_api.core.db import select_row, utcnow
from ehp_api.core.principal import Principal
from ehp_api.dashboard import alerts_section, complaints_section, policy, snapshots
from ehp_api.dashboard.schemas import (
    Completeness,
    Dashboard,
    DashboardActivity,
    DashboardAxis,
    DashboardIndicator,
    DashboardObjective,
    ReportingStatus,
    TimelineActivity,
    TimelineCell,
)
from ehp_api.indicators.models import (
    Indicator,
    IndicatorSchedule,
    IndicatorSource,
    MeasureType,
)
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.progress import figures as progress_figures
from ehp_api.progress.models import ReadingTotal
from ehp_api.web.reference import Kept
from ehp_api.workplan.models import Activity, Axis, Objective


def status(done: Completeness) -> ReportingStatus:
    if done.planned == 0:
        # Only computed indicators planned (1.1.3, 1.1.4): the service has their values.
        return ReportingStatus.reported if done.computed else ReportingStatus.not_planned
    if done.reported == done.planned:
        return ReportingStatus.reported
    if done.reported == 0:
        return ReportingStatus.not_reported
    return ReportingStatus.partial


def _sum(parts: list[Completeness]) -> Completeness:
    return Completeness(
        planned=sum(p.planned for p in parts),
        reported=sum(p.reported for p in parts),
        computed=sum(p.computed for p in parts),
    )


@dataclass(frozen=True)
class PlanIndicator:
    id: int
    code: str
    text_fr: str
    measure: MeasureType


@dataclass
class PlanNode:
    """An axis, objective or activity of the plan, with what it holds, in the plan's order."""

    code: str
    title_fr: str
    children: dict[str, "PlanNode"] = field(default_factory=dict)
    indicators: list[PlanIndicator] = field(default_factory=list)


def plan_tree(session: Session) -> list[PlanNode]:
    """Axes, objectives, activities and indicators from one query of plain columns: the
    dashboard needs their codes and titles, not the entities with all they load with them."""
    stmt = (
        select_row(
            Axis.code,
            Axis.title_fr,
            Objective.code,
            Objective.title_fr,
            Activity.code,
            Activity.title_fr,
            Indicator.id,
            Indicator.code,
            Indicator.text_fr,
            Indicator.measure,
        )
        .select_from(Axis)
        .outerjoin(Objective, Objective.axis_id == Axis.id)
        .outerjoin(Activity, Activity.objective_id == Objective.id)
        .outerjoin(Indicator, Indicator.activity_id == Activity.id)
        .order_by(Axis.id, Objective.id, Activity.id, Indicator.id)
    )
    axes: dict[str, PlanNode] = {}
    for row in session.exec(stmt).all():
        axis_code, axis_title, objective_code, objective_title, activity_code = row[:5]
        axis = axes.setdefault(axis_code, PlanNode(axis_code, axis_title))
        if objective_code is None:
            continue
        objective = axis.children.setdefault(
            objective_code, PlanNode(objective_code, objective_title)
        )
        if activity_code is None:
            continue
        activity = objective.children.setdefault(activity_code, PlanNode(activity_code, row[5]))
        if row[6] is not None:
            activity.indicators.append(PlanIndicator(*row[6:10]))
    return list(axes.values())


class _Progress:
    """Every indicator's figures for the period (`ehp_api.progress.figures`, as the values
    endpoint and the workplan export give them), with whether it is planned."""

    def __init__(
        self, session: Session, target: Period, quarters: list[Period], with_sea: bool
    ) -> None:
        shared = progress_figures.known(session)
        self.figures = progress_figures.for_period(
            session, shared.context.calendar.periods[target.id or 0], shared, with_sea=with_sea
        )
        self.planned = planned_ids(session, [q.id or 0 for q in quarters])
        self.statuses = activity_status.latest(session, quarters)

    def indicator(self, indicator: PlanIndicator) -> DashboardIndicator:
        rule = self.figures.known.rules[indicator.id]
        result = self.figures.of(indicator.id)
        return DashboardIndicator(
            code=indicator.code,
            text_fr=indicator.text_fr,
            measure=indicator.measure,
            source=IndicatorSource.computed if rule.computed else IndicatorSource.manual,
            aggregation=rule.aggregation,
            planned=indicator.id in self.planned,
            reported=result.shown.value is not None,
            cumulative_value=result.cumulative,
            **result.shown.model_dump(),
        )

    def alert_steps(self) -> dict[str, alert_indicators.StepCount]:
        counts = self.figures.alert_counts
        now, to_date = counts["in_period"], counts["to_date"]
        return {
            code: alert_indicators.StepCount(now[code][0], now[code][1], to_date[code][0])
            for code in now
        }


def planned_ids(session: Session, quarter_ids: list[int]) -> set[int]:
    stmt = (
        select(IndicatorSchedule.indicator_id)
        .where(IndicatorSchedule.period_id.in_(quarter_ids))
        .distinct()
    )
    return set(session.exec(stmt).all())


def _activity(tracker: _Progress, activity: PlanNode) -> DashboardActivity:
    indicators = [tracker.indicator(i) for i in activity.indicators]
    planned = [i for i in indicators if i.planned]
    manual = [i for i in planned if i.source == "manual"]
    done = Completeness(
        planned=len(manual),
        reported=sum(i.reported for i in manual),
        computed=len(planned) - len(manual),
    )
    return DashboardActivity(
        code=activity.code,
        title_fr=activity.title_fr,
        planned=bool(planned),
        status=status(done),
        completeness=done,
        lead_status=tracker.statuses.get(activity.code, []),
        indicators=indicators,
    )


def _axis(tracker: _Progress, axis: PlanNode) -> DashboardAxis:
    objectives = []
    for objective in axis.children.values():
        activities = [_activity(tracker, a) for a in objective.children.values()]
        done = _sum([a.completeness for a in activities])
        objectives.append(
            DashboardObjective(
                code=objective.code,
                title_fr=objective.title_fr,
                status=status(done),
                completeness=done,
                activities=activities,
            )
        )
    done = _sum([o.completeness for o in objectives])
    return DashboardAxis(
        code=axis.code,
        title_fr=axis.title_fr,
        status=status(done),
        completeness=done,
        objectives=objectives,
    )


def build(session: Session, principal: Principal, code: str, threshold: int) -> Dashboard:
    quarters = periods_service.quarters_of(session, code, query_field="period")
    target = periods_service.get_by_code(session, code)
    with_sea = complaint_policy.sees_sea(principal)
    tracker = _Progress(session, target, quarters, with_sea)
    axes = [_axis(tracker, a) for a in plan_tree(session)]
    broad = None if policy.sees_alerts_in_full(principal) else threshold
    return Dashboard(
        period=target.code,
        starts_on=target.starts_on,
        ends_on=target.ends_on,
        generated_at=utcnow(),
        small_cell_threshold=broad,
        completeness=_sum([a.completeness for a in axes]),
        axes=axes,
        alerts=alerts_section.section(
            session, target.starts_on, target.ends_on, broad, tracker.alert_steps()
        ),
        complaints=complaints_section.section(
            session, [(q.starts_on, q.ends_on) for q in quarters], threshold, with_sea
        ),
    )


def answer(
    session: Session, principal: Principal, period: str, threshold: int, max_age: timedelta
) -> Kept:
    """The dashboard this caller gets, as sent: a kept one when current (`snapshots`), else built
    and kept; one request at a time computes it, and the others meanwhile get the kept one. A
    worker makes a kept dashboard's answer once (its bytes, ETag and gzipped bytes), then serves
    it reading only the kept dashboard's version and time."""
    audience = "full" if policy.sees_alerts_in_full(principal) else "broad"
    # Kept apart for those who may learn of SEA allegations (`complaints.policy`).
    audience += "+sea" if complaint_policy.sees_sea(principal) else ""
    version = snapshots.data_version(session)
    snapshot_key = snapshots.key(period, audience, date.today())
    kept = snapshots.stamp(session, snapshot_key)
    if kept is not None and snapshots.current(kept, version, max_age):
        served = _kept(session, snapshot_key, kept)
        if served is not None:
            return served
    with snapshots.computing(session, snapshot_key) as mine:
        # While another request computes it, the kept one: `generated_at` says when it was made.
        served = None if mine or kept is None else _kept(session, snapshot_key, kept)
        if served is not None:
            return served
        body = build(session, principal, period, threshold).model_dump(mode="json")
        computed_at = snapshots.keep(session, snapshot_key, version, body)
    return (
        Kept(orjson.dumps(body)) if computed_at is None else _make(snapshot_key, computed_at, body)
    )


def shown(
    session: Session, principal: Principal, period: str, threshold: int, max_age: timedelta
) -> dict[str, Any]:
    """The dashboard `answer` gives, as JSON: the quarterly note's figures are the dashboard's."""
    body: dict[str, Any] = orjson.loads(answer(session, principal, period, threshold, max_age).body)
    return body


# Per worker: the answers made of kept dashboards, by key and time (a kept dashboard replaced by a
# newer one has another time). A few periods and audiences a day.
_answers: LRUCache[tuple[str, datetime], Kept] = LRUCache(maxsize=64)
_answers_lock = threading.Lock()


def _kept(session: Session, snapshot_key: str, kept: snapshots.Stamp) -> Kept | None:
    """The answer of the kept dashboard: made by this worker already, or made of its body."""
    with _answers_lock:
        made = _answers.get((snapshot_key, kept.computed_at))
    if made is not None:
        return made
    found = snapshots.body(session, snapshot_key)
    # None if it is gone; another worker may have replaced it since: its answer keyed by its time.
    return None if found is None else _make(snapshot_key, *found)


def _make(snapshot_key: str, computed_at: datetime, body: dict[str, Any]) -> Kept:
    made = Kept(orjson.dumps(body))
    with _answers_lock:
        _answers[(snapshot_key, computed_at)] = made
    return made


def timeline(session: Session) -> list[TimelineActivity]:
    """Per activity and quarter: planned, and reported (a validated value for an indicator)."""
    quarters = list(
        session.exec(
            select(Period).where(Period.kind == PeriodKind.quarter).order_by(Period.starts_on)
        ).all()
    )
    reported = session.exec(
        select(ReadingTotal.indicator_id, ReadingTotal.period_id)
        .where(ReadingTotal.category_code == "")
        .distinct()
    ).all()
    by_indicator: dict[int, set[int]] = defaultdict(set)
    for indicator_id, period_id in reported:
        by_indicator[indicator_id].add(period_id)
    result = []
    for activity in session.exec(select(Activity).order_by(Activity.id)).all():
        planned = {s.period_id for s in activity.schedule}
        done = set().union(*(by_indicator[i.id or 0] for i in activity.indicators))
        result.append(
            TimelineActivity(
                code=activity.code,
                title_fr=activity.title_fr,
                quarters=[
                    TimelineCell(period=q.code, planned=q.id in planned, reported=q.id in done)
                    for q in quarters
                ],
            )
        )
    return result
