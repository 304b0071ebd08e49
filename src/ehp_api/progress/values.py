"""An indicator's values over a series of periods (`GET /indicators/{code}/values`), grouped by
period, zone, organisation, place or breakdown option."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlmodel import Session, select

from ehp_api.complaints import policy as complaint_policy
from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.indicators.models import Aggregation, Indicator, IndicatorSource, MeasureType
from ehp_api.locations.models import Location
from ehp_api.progress import calendar as calendar_module
from ehp_api.progress import computed, grain, kept, pending, plan, queries, sums
from ehp_api.progress.calendar import Calendar, PeriodInfo
from ehp_api.progress.grain import Part
from ehp_api.progress.points import UNSPECIFIED, Context, figures
from ehp_api.progress.rules import RULES
from ehp_api.progress.schemas import IndicatorValues, ValuePoint
from ehp_api.progress.sums import Buckets, Figure, Org
from ehp_api.readings.models import Reading
from ehp_api.targets import service as targets_service
from ehp_api.workplan import service as workplan_service

GROUPINGS = ("period", "zone", "organisation", "location")


def _invalid(field: str, reason: str, code: str) -> InvalidInput:
    return InvalidInput(
        tr(
            "{field}: {reason}",
            field=field,
            reason=reason,
        ),
        errors=[InvalidParam(location="query", field=field, reason=reason, code=code)],
    )


def series(calendar: Calendar, first: str, last: str) -> list[PeriodInfo]:
    """The periods from `first` to `last`, both quarters or both years."""
    found = {p.code: p for p in calendar.periods.values()}
    for name, code in (("from", first), ("to", last)):
        if code not in found:
            reason = tr("no period {code!r} in the plan", code=code)
            raise _invalid(name, reason, "unknown_period")
    start, end = found[first], found[last]
    if start.kind != end.kind:
        raise _invalid("to", tr("give two quarters or two years"), "mixed_periods")
    if start.starts_on > end.starts_on:
        raise _invalid("to", tr("must not be before `from`"), "reversed_periods")
    chosen = [
        p for p in calendar.periods.values()
        if p.kind == start.kind and start.starts_on <= p.starts_on <= end.starts_on
    ]  # fmt: skip
    return sorted(chosen, key=lambda p: p.starts_on)


def _check_grouping(rule: plan.IndicatorRule, group_by: str) -> None:
    if rule.computed and group_by not in ("period", "zone"):
        reason = tr("a computed indicator groups by period or zone")
        raise _invalid("group_by", reason, "unsupported")
    if group_by in GROUPINGS or group_by in rule.breakdowns:
        return
    asked = ", ".join([*GROUPINGS, *rule.breakdowns])
    raise _invalid("group_by", tr("group by one of: {asked}", asked=asked), "unknown_grouping")


def values(
    session: Session,
    principal: Principal,
    indicator: Indicator,
    first: str,
    last: str,
    group_by: str,
) -> IndicatorValues:
    calendar = calendar_module.load(session)
    periods = series(calendar, first, last)
    rule = plan.rules(session)[indicator.id or 0]
    _check_grouping(rule, group_by)
    context = Context(
        calendar,
        plan.organisation_codes(session),
        targets_service.for_indicators(session, [rule.id]),
    )
    with_sea = complaint_policy.sees_sea(principal)
    source = _source(session, rule, calendar, periods, group_by, context, with_sea)
    points = []
    for period in periods:
        spans = calendar.spans(period)
        groups, parts = source(spans)
        found = _points(rule, period, spans, context, groups, group_by, parts)
        points += [computed.mark(p, rule.code, with_sea) if rule.computed else p for p in found]
    pending.attach(session, principal, indicator, calendar, periods, points, group_by)
    return IndicatorValues(
        indicator=indicator.code,
        measure=indicator.measure,
        source=IndicatorSource.computed if rule.computed else IndicatorSource.manual,
        computed_from=indicator.computed_from,
        aggregation=indicator.aggregation,
        reporter_of_record=indicator.reporter.code if indicator.reporter else None,
        boolean_kind=indicator.boolean_kind,
        group_by=group_by,
        rules=RULES,
        values=points,
    )


Groups = dict[Any, dict[Org, Buckets]]


def _source(
    session: Session,
    rule: plan.IndicatorRule,
    calendar: Calendar,
    periods: list[PeriodInfo],
    group_by: str,
    context: Context,
    with_sea: bool,
) -> Callable[[calendar_module.Spans], tuple[Groups, dict[Any, Any]]]:
    """Where a period's figures come from: the records (computed), the readings place by place
    (grouped by location), or the kept figures; with the parts a computed indicator gives, by
    group (its zones when grouped by zone)."""
    if rule.computed:
        plan_start = workplan_service.get_strategy(session).starts_on

        def records(spans: calendar_module.Spans) -> tuple[Groups, dict[Any, Any]]:
            found = computed.figures(
                session, [rule], spans, plan_start, with_targets=context.targets,
                with_sea=with_sea, by_zone=group_by == "zone",
            )[rule.id]  # fmt: skip
            parts = found.zone_parts if group_by == "zone" else {None: found.parts}
            return {None: {None: found.buckets}}, parts

        return records
    if group_by == "location":
        by_place = _by_place(session, rule, calendar, periods)
        return lambda spans: (by_place(spans), {})
    wanted: dict[str, Any] = {"year_to_date": [rule.id]}
    if rule.measure == MeasureType.boolean:
        wanted["yes_no"] = [rule.id]

    def figures(spans: calendar_module.Spans) -> tuple[Groups, dict[Any, Any]]:
        # Not mutated: without `[rule.id]` every indicator's figures are computed and this one's
        # picked, the same answer (slower), which no test can tell.
        found = queries.from_kept(
            session, calendar, spans, [rule.id], **wanted
        )  # pragma: no mutate
        return {None: found.get(rule.id, {})}, {}

    return figures


def _points(
    rule: plan.IndicatorRule,
    period: PeriodInfo,
    spans: calendar_module.Spans,
    context: Context,
    groups: dict[Any, dict[Org, Buckets]],
    group_by: str,
    parts: dict[Any, Any],
) -> list[ValuePoint]:
    if group_by == "zone":
        groups = _split(groups[None], lambda figure: _zones(figure))
    elif group_by == "organisation":
        groups = {_name(context, o): {o: b} for o, b in groups[None].items()}
        rule = replace(rule, aggregation=Aggregation.sum)  # each organisation's own figure
    elif group_by in rule.breakdowns:
        groups = _split(groups[None], lambda figure: _options(figure, group_by))
        rule = replace(rule, categories=(), shares=())
    names = sorted(groups, key=lambda g: g or "") or [None]
    result = []
    for name in names:
        shown = figures(rule, groups.get(name, {}), spans, context, parts.get(name))
        result.append(ValuePoint(period=period.code, group=name, **shown.shown.model_dump()))
    return result


def _name(context: Context, org: Org) -> str | None:
    return context.organisations.get(org) if org is not None else None


def _zones(figure: Figure) -> dict[Any, Figure]:
    return {zone: _alone(part) for zone, part in figure.zones.items()}


def _options(figure: Figure, category: str) -> dict[Any, Figure]:
    found = {o: _alone(p) for (c, o), p in figure.options.items() if c == category}
    rest = figure.numerator - sum(f.numerator for f in found.values())
    if found and rest > 0:
        found[UNSPECIFIED] = Figure(numerator=rest, records=figure.records)
    return found


def _alone(part: Part) -> Figure:
    return Figure(part.numerator, part.denominator, part.records, zones={None: part})


def _split(
    by_org: dict[Org, Buckets], split: Callable[[Figure], dict[Any, Figure]]
) -> dict[Any, dict[Org, Buckets]]:
    """Each organisation's buckets cut into groups (zones, options), span by span."""
    groups: dict[Any, dict[Org, Buckets]] = {}
    for org, buckets in by_org.items():
        cut = {span: split(getattr(buckets, span)) for span in sums.SPANS}
        for name in {n for pieces in cut.values() for n in pieces}:
            pieces = {span: cut[span].get(name, Figure()) for span in sums.SPANS}
            groups.setdefault(name, {})[org] = Buckets(
                **pieces,
                first_true=buckets.first_true,
                first_true_this_year=buckets.first_true_this_year,
                last_true=buckets.last_true,
                organisations=buckets.organisations,
            )
    return groups


def _by_place(
    session: Session, rule: plan.IndicatorRule, calendar: Calendar, periods: list[PeriodInfo]
) -> Callable[[calendar_module.Spans], dict[Any, dict[Org, Buckets]]]:
    """Place by place, from the validated readings: each place's own figure (a region's group
    and its cercles' groups overlap: never add them)."""
    cells = [cell for _, cell in kept.cells(session, [Reading.indicator_id == rule.id])]
    rows = grain.rows(cells, rule.measure, calendar, by_place=True)
    pcodes: dict[int | None, str] = dict(session.exec(select(Location.id, Location.pcode)).all())

    def groups(spans: calendar_module.Spans) -> dict[Any, dict[Org, Buckets]]:
        found: dict[Any, dict[Org, Buckets]] = {}
        for place in {row.place for row in rows}:
            mine = [(rule.id, row.organisation, row) for row in rows if row.place == place]
            by_org = sums.from_rows(mine, calendar, spans).get(rule.id, {})
            if by_org:
                found[pcodes.get(place)] = by_org  # no place: no P-code, the None group
        return found

    return groups
