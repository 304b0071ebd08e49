"""Every indicator's figures for a period (the dashboard) or for every period (the workplan
export), from a fixed number of queries per period: the kept figures in one, the alert counts
in one per span, the complaint counts in one per span and indicator."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from ehp_api.complaints import policy as complaint_policy
from ehp_api.indicators.models import MeasureType
from ehp_api.progress import calendar as calendar_module
from ehp_api.progress import computed, plan, points, queries, sums
from ehp_api.progress.calendar import PeriodInfo
from ehp_api.progress.plan import ZONE
from ehp_api.progress.schemas import IndicatorFigures
from ehp_api.targets import service as targets_service
from ehp_api.workplan import service as workplan_service


@dataclass(frozen=True)
class Known:
    """What every period's figures share: loaded once."""

    rules: dict[int, plan.IndicatorRule]
    context: points.Context
    plan_start: date


def known(session: Session) -> Known:
    return Known(
        rules=plan.rules(session),
        context=points.Context(
            calendar_module.load(session),
            plan.organisation_codes(session),
            targets_service.for_indicators(session),
        ),
        plan_start=workplan_service.get_strategy(session).starts_on,
    )


@dataclass
class PeriodFigures:
    known: Known
    spans: calendar_module.Spans
    kept: sums.ByIndicator
    alert_counts: dict[str, dict[str, tuple[int, int]]]
    computed: dict[int, computed.Computed]
    with_sea: bool

    def of(self, indicator_id: int) -> points.Figures:
        rule = self.known.rules[indicator_id]
        if rule.computed:
            found = self.computed[indicator_id]
            result = points.figures(
                rule, {None: found.buckets}, self.spans, self.known.context, found.parts
            )
            shown = computed.mark(result.shown, rule.code, self.with_sea)
            withheld = complaint_policy.withheld(rule.code, self.with_sea)
            return points.Figures(shown, None if withheld else result.cumulative)
        by_org = self.kept.get(indicator_id, {})
        return points.figures(rule, by_org, self.spans, self.known.context)


def for_period(
    session: Session, period: PeriodInfo, shared: Known | None = None, *, with_sea: bool
) -> PeriodFigures:
    """`with_sea`: whether the reader may learn of SEA allegations (`complaints.policy`)."""
    shared = shared or known(session)
    spans = shared.context.calendar.spans(period)
    rules = shared.rules.values()
    # Indicators whose figures add up come summed across organisations, and the zones of those
    # that ask for no zone share together: fewer rows, the same figures.
    summed = [r.id for r in rules if not r.collective and not r.computed]
    zoned = [r.id for r in rules if any(category == ZONE for category, _ in r.shares)]
    # The year to date of computed indicators is counted only for those with targets.
    with_targets = set(shared.context.targets)
    alert_rules = [r for r in rules if r.computed and r.code in computed.ALERT_CODES]
    needed = any(r.id in with_targets for r in alert_rules)
    alerts = computed.alert_counts(session, spans, shared.plan_start, needed)
    return PeriodFigures(
        known=shared,
        spans=spans,
        kept=queries.from_kept(
            session,
            shared.context.calendar,
            spans,
            keys=queries.Keys(summed, zoned),
            yes_no=[r.id for r in rules if r.measure == MeasureType.boolean],
            # The year to date: what targets are met against, and what an annual yes/no asks.
            year_to_date=[r.id for r in rules if r.id in with_targets or r.annual],
        ),
        alert_counts=alerts,
        computed=computed.figures(
            session,
            [r for r in rules if r.computed],
            spans,
            shared.plan_start,
            alerts,
            with_targets,
            with_sea=with_sea,
        ),
        with_sea=with_sea,
    )


@dataclass(frozen=True)
class Table:
    periods: list[str]  # the quarters, then the years
    values: dict[int, dict[str, IndicatorFigures]]  # indicator id -> period -> figures
    targets: dict[int, targets_service.TargetSet]  # the baselines and targets they meet


def table(session: Session, *, with_sea: bool) -> Table:
    """Every indicator's figures in every quarter and year of the plan."""
    shared = known(session)
    calendar = shared.context.calendar
    ordered = sorted(calendar.periods.values(), key=lambda p: (p.is_year, p.starts_on))
    values: dict[int, dict[str, IndicatorFigures]] = {i: {} for i in shared.rules}
    for period in ordered:
        found = for_period(session, period, shared, with_sea=with_sea)
        for indicator_id in shared.rules:
            values[indicator_id][period.code] = found.of(indicator_id).shown
    return Table([p.code for p in ordered], values, shared.context.targets)
