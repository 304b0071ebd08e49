"""An indicator's figures for a period, as every reader gets them: the values endpoint, the
dashboard and the workplan export all call `figures`."""

from dataclasses import dataclass
from typing import Any

from ehp_api.indicators.models import MeasureType
from ehp_api.progress import combine as combine_module
from ehp_api.progress.calendar import Calendar, Spans
from ehp_api.progress.combine import Answer, Counted, answer, value_of
from ehp_api.progress.grain import Part
from ehp_api.progress.plan import ZONE, IndicatorRule
from ehp_api.progress.schemas import AlsoReported, IndicatorFigures, Share, TargetProgress
from ehp_api.progress.sums import Buckets, Figure, Org
from ehp_api.targets.render import shown
from ehp_api.targets.service import TargetSet

UNSPECIFIED = "unspecified"
NOTES = {
    "not_from_reporter_of_record": "{counted} reported it, not the reporter of record ({reporter}),"
    " who reported nothing for the period: {counted}'s figure counts.",
    "reporters_disagree": "Other organisations reported other figures (see also_reported); "
    "only the counted one counts.",
    "region_and_cercles": "Both a region and cercles inside it were reported ({overlaps} time(s)):"
    " they are never added; the larger counts.",
    "cercles_exceed_region": "The cercles add up to {excess} more than their region's own "
    "figure: the cercles' sum counts.",
    "total_from_breakdown": "No total was posted: the total is the sum of one breakdown's options.",
    "pending_corrections": "{pending} correction(s) await review: the validated values count.",
}


@dataclass(frozen=True)
class Context:
    calendar: Calendar
    organisations: dict[int, str]
    targets: dict[int, TargetSet]


@dataclass(frozen=True)
class Figures:
    """What `figures` gives: the shown figures, and the cumulative value beside them."""

    shown: IndicatorFigures
    cumulative: Any


def figures(
    rule: IndicatorRule,
    by_org: dict[Org, Buckets],
    spans: Spans,
    context: Context,
    parts: dict[str, float | int] | None = None,
) -> Figures:
    now = combine_module.combine(rule, by_org, "in_period")
    this_year = combine_module.combine(rule, by_org, "year_to_date")
    to_date = combine_module.combine(rule, by_org, "to_date")
    result = answer(rule, now, this_year, to_date)
    figure, fraction = now.figure, rule.measure == MeasureType.percentage
    shares = _shares(rule, figure)
    zone = next((s for s in shares if s.category == ZONE), None)
    shown_figures = IndicatorFigures(
        value=result.value,
        numerator=figure.numerator if fraction else None,
        denominator=figure.denominator if fraction else None,
        liptako_gourma_share=zone.share if zone else None,
        zone_unknown=zone.unknown if zone else None,
        shares=shares,
        breakdown=_breakdown(rule, figure),
        parts=parts or {},
        records=figure.records,
        organisations=None if rule.computed else now.organisations,
        counted_organisation=_code(context, now.organisation),
        also_reported=[
            AlsoReported(
                organisation=_code(context, org) or "",
                value=value_of(rule.measure, other),
                records=other.records,
            )
            for org, other in sorted(
                now.others.items(), key=lambda item: _code(context, item[0]) or ""
            )
        ],
        achieved_in=context.calendar.at(result.achieved_in),
        last_confirmed_in=context.calendar.at(result.last_confirmed_in),
        targets=_targets(rule, spans, context, this_year, result),
    )
    _flag(shown_figures, rule, now, context)
    return Figures(shown_figures, combine_module.cumulative(rule, to_date))


def _code(context: Context, org: Org) -> str | None:
    return context.organisations.get(org) if org is not None else None


def _shares(rule: IndicatorRule, figure: Figure) -> list[Share]:
    """Every share the indicator asks for, over the part whose option is known."""
    if rule.measure != MeasureType.count:
        return []
    shares = []
    for category, option in rule.shares:
        if category == ZONE:
            part = figure.zones.get(option, Part()).numerator
            known = sum(p.numerator for z, p in figure.zones.items() if z is not None)
            unknown = figure.zones.get(None, Part()).numerator
        else:
            options = {o: p.numerator for (c, o), p in figure.options.items() if c == category}
            part, known = options.get(option, 0), sum(options.values())
            unknown = max(figure.numerator - known, 0)
        share = round(100 * part / known, 2) if known else None
        shares.append(
            Share(
                category=category,
                option=option,
                share=share,
                part=part,
                known=known,
                unknown=unknown,
            )
        )
    return shares


def _breakdown(rule: IndicatorRule, figure: Figure) -> dict[str, dict[str, Any]]:
    """Each breakdown the indicator asks for, option by option; the rest `unspecified`."""
    result: dict[str, dict[str, Any]] = {}
    for category in rule.breakdowns:
        options = {o: p for (c, o), p in figure.options.items() if c == category}
        if not options and not figure.records:
            continue
        values = {o: value_of(rule.measure, p) for o, p in sorted(options.items())}
        rest = figure.numerator - sum(p.numerator for p in options.values())
        if rule.measure == MeasureType.count and rest > 0:
            values[UNSPECIFIED] = rest
        result[category] = values
    return result


def _targets(
    rule: IndicatorRule, spans: Spans, context: Context, this_year: Counted, result: Answer
) -> list[TargetProgress]:
    """The period's year's targets, met against the year's figure to the end of the period."""
    chosen = context.targets.get(rule.id)
    if chosen is None:
        return []
    progress = []
    for (year, zone), target in sorted(
        chosen.targets.items(), key=lambda i: (i[0][0], i[0][1] or "")
    ):
        if year != spans.target.year:
            continue
        achieved = _achieved(rule, this_year.figure, zone, result)
        if rule.measure == MeasureType.boolean:
            percent: float | None = 100.0 if achieved else 0.0
        else:
            percent = round(100 * achieved / target, 1) if target and achieved is not None else None
        baseline = chosen.baselines.get(zone)
        progress.append(
            TargetProgress(
                year=year,
                zone=zone,
                target=shown(rule.measure, target),
                baseline=shown(rule.measure, baseline) if baseline is not None else None,
                achieved_to_date=achieved,
                percent_of_target=percent,
            )
        )
    return progress


def _achieved(rule: IndicatorRule, figure: Figure, zone: str | None, result: Answer) -> Any:
    if rule.measure == MeasureType.boolean:
        return result.value is True
    if zone is not None:
        figure = Figure(**vars(figure.zones.get(zone, Part())))
    return value_of(rule.measure, figure, rule.computed)


def _flag(
    shown_figures: IndicatorFigures, rule: IndicatorRule, now: Counted, context: Context
) -> None:
    figure, flags = now.figure, list(now.flags)
    if figure.overlaps:
        flags.append("region_and_cercles")
    if figure.excess:
        flags.append("cercles_exceed_region")
    if figure.from_breakdown:
        flags.append("total_from_breakdown")
    add_flags(
        shown_figures,
        flags,
        counted=_code(context, now.organisation),
        reporter=_code(context, rule.reporter),
        overlaps=figure.overlaps,
        excess=figure.excess,
    )


def add_flags(shown_figures: IndicatorFigures, flags: list[str], **facts: Any) -> None:
    for flag in flags:
        if flag not in shown_figures.flags:
            shown_figures.flags.append(flag)
            shown_figures.notes.append(NOTES[flag].format(**facts))
