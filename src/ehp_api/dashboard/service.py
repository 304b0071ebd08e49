"""Assembling the dashboard: the plan's progress, then the alerts (a fixed number of queries)."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, select

from ehp_api.access.permissions import Permission
from ehp_api.alerts import indicators as alert_indicators
from ehp_api.complaints import indicators as complaint_indicators
from ehp_api.dashboard import alerts_section, complaints_section, progress
from ehp_api.dashboard.schemas import (
    Completeness,
    Dashboard,
    DashboardActivity,
    DashboardAxis,
    DashboardIndicator,
    DashboardObjective,
    Status,
    TimelineActivity,
    TimelineCell,
)
from ehp_api.db import utcnow
from ehp_api.indicators.models import (
    DisaggregationCategory,
    Indicator,
    IndicatorDisaggregation,
    MeasureType,
)
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.principal import Principal
from ehp_api.readings import rules
from ehp_api.readings.models import Reading, ReadingStatus
from ehp_api.workplan import service as workplan_service
from ehp_api.workplan.models import Activity, Axis, Objective


def status(done: Completeness) -> Status:
    if done.planned == 0:
        return "not_planned"
    if done.reported == done.planned:
        return "reported"
    return "not_reported" if done.reported == 0 else "partial"


def _sum(parts: list[Completeness]) -> Completeness:
    return Completeness(
        planned=sum(p.planned for p in parts), reported=sum(p.reported for p in parts)
    )


@dataclass(frozen=True)
class PlanIndicator:
    id: int
    code: str
    text_fr: str
    measure: MeasureType
    computed_from: str | None
    asks_share: bool  # broken down by zone: the dashboard gives its Liptako Gourma share


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
    zone = (
        select(IndicatorDisaggregation.indicator_id)
        .join(
            DisaggregationCategory,
            DisaggregationCategory.id == IndicatorDisaggregation.category_id,  # type: ignore[arg-type]
        )
        .where(DisaggregationCategory.code == "zone")
    )
    stmt = (
        select(
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
            Indicator.computed_from,
            Indicator.id.in_(zone),  # type: ignore[union-attr]
        )
        .select_from(Axis)
        .outerjoin(Objective, Objective.axis_id == Axis.id)  # type: ignore[arg-type]
        .outerjoin(Activity, Activity.objective_id == Objective.id)  # type: ignore[arg-type]
        .outerjoin(Indicator, Indicator.activity_id == Activity.id)  # type: ignore[arg-type]
        .order_by(Axis.id, Objective.id, Activity.id, Indicator.id)  # type: ignore[arg-type]
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
            activity.indicators.append(PlanIndicator(*row[6:11], asks_share=bool(row[11])))
    return list(axes.values())


class _Progress:
    def __init__(self, session: Session, target: Period, quarters: list[Period]) -> None:
        self.session, self.target = session, target
        self.plan_start = workplan_service.get_strategy(session).starts_on
        rows = progress.totals(session, target.ends_on)
        period_ids = {target.id or 0} | {q.id or 0 for q in quarters}
        self.period, self.cumulative = progress.sums(rows, period_ids)
        self.planned = progress.planned_ids(session, [q.id or 0 for q in quarters])
        self.alert_counts = alert_indicators.period_and_cumulative(
            session, target.starts_on, target.ends_on, self.plan_start
        )

    def indicator(self, indicator: PlanIndicator) -> DashboardIndicator:
        computed = indicator.computed_from is not None
        if indicator.code in alert_indicators.COMPUTED:
            period, cumulative = progress.alert_sums(self.alert_counts[indicator.code])
        elif indicator.code in complaint_indicators.COMPUTED:
            period, cumulative = progress.complaint_sums(
                self.session, indicator.code, indicator.measure, self.target, self.plan_start
            )
        else:
            period = self.period.get(indicator.id or 0, progress.Sums())
            cumulative = self.cumulative.get(indicator.id or 0, progress.Sums())
        measure = indicator.measure
        return DashboardIndicator(
            code=indicator.code,
            text_fr=indicator.text_fr,
            measure=measure,
            source="computed" if computed else "manual",
            planned=indicator.id in self.planned,
            reported=computed or period.records > 0,
            value=_computed_value(indicator, period) if computed else period.value(measure),
            cumulative_value=_computed_value(indicator, cumulative)
            if computed
            else cumulative.value(measure),
            liptako_gourma_share=period.liptako_share() if indicator.asks_share else None,
            records=period.records,
        )


def _computed_value(indicator: PlanIndicator, sums: progress.Sums) -> float | int | None:
    """Computed counts are known even when zero; a computed fraction needs a denominator."""
    if indicator.measure == MeasureType.percentage:
        return round(100 * sums.numerator / sums.denominator, 1) if sums.denominator else None
    return sums.numerator


def _activity(tracker: _Progress, activity: PlanNode) -> DashboardActivity:
    indicators = [tracker.indicator(i) for i in activity.indicators]
    planned = [i for i in indicators if i.planned]
    done = Completeness(planned=len(planned), reported=sum(i.reported for i in planned))
    return DashboardActivity(
        code=activity.code,
        title_fr=activity.title_fr,
        planned=bool(planned),
        status=status(done),
        completeness=done,
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
    tracker = _Progress(session, target, quarters)
    axes = [_axis(tracker, a) for a in plan_tree(session)]
    broad = None if principal.can(Permission.alerts_review) else threshold
    return Dashboard(
        period=target.code,
        starts_on=target.starts_on,
        ends_on=target.ends_on,
        generated_at=utcnow(),
        small_cell_threshold=broad,
        completeness=_sum([a.completeness for a in axes]),
        axes=axes,
        alerts=alerts_section.section(
            session, target.starts_on, target.ends_on, broad, tracker.alert_counts
        ),
        complaints=complaints_section.section(session, target.starts_on, target.ends_on, threshold),
    )


def timeline(session: Session) -> list[TimelineActivity]:
    """Per activity and quarter: planned, and reported (a validated value for an indicator)."""
    quarters = list(
        session.exec(
            select(Period).where(Period.kind == PeriodKind.quarter).order_by(Period.starts_on)
        ).all()
    )  # type: ignore[arg-type]
    reported = session.exec(
        select(Reading.indicator_id, Reading.period_id)
        .where(Reading.status == ReadingStatus.validated, rules.total_clause())
        .distinct()
    ).all()
    by_indicator: dict[int, set[int]] = defaultdict(set)
    for indicator_id, period_id in reported:
        by_indicator[indicator_id].add(period_id)
    result = []
    for activity in session.exec(select(Activity).order_by(Activity.id)).all():  # type: ignore[arg-type]
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
