"""Several organisations' figures made the EHP's figure, and that figure made a value."""

from dataclasses import dataclass, field
from typing import Any, Literal

from ehp_api.indicators.models import BooleanKind, MeasureType
from ehp_api.progress.grain import Part, larger
from ehp_api.progress.plan import IndicatorRule
from ehp_api.progress.sums import Buckets, Figure, Org

Span = Literal["in_period", "year_to_date", "to_date"]


@dataclass
class Counted:
    """The figure that counts for a span, whose it is, and what else was reported."""

    figure: Figure = field(default_factory=Figure)
    organisation: Org = None  # collective: whose figure counts
    others: dict[Org, Figure] = field(default_factory=dict)  # collective: the other figures
    organisations: int = 0
    flags: list[str] = field(default_factory=list)
    first_true: int | None = None
    first_true_this_year: int | None = None
    last_true: int | None = None


def value_of(measure: MeasureType, figure: Figure | Part, computed: bool = False) -> Any:
    """A figure's value: a count, a percentage (2 decimals), or yes/no; None when unreported."""
    if measure == MeasureType.percentage:
        return round(100 * figure.numerator / figure.denominator, 2) if figure.denominator else None
    if not figure.records and not computed:
        return None
    return figure.numerator > 0 if measure == MeasureType.boolean else figure.numerator


def _merged(figures: list[Figure]) -> Figure:
    total = Figure()
    for f in figures:
        total.numerator += f.numerator
        total.denominator += f.denominator
        total.records += f.records
        for zone, part in f.zones.items():
            total.zones[zone] = total.zones.get(zone, Part()).plus(part)
        for slot, part in f.options.items():
            total.options[slot] = total.options.get(slot, Part()).plus(part)
        total.overlaps += f.overlaps
        total.excess += f.excess
        total.from_breakdown += f.from_breakdown
    return total


def combine(rule: IndicatorRule, by_org: dict[Org, Buckets], span: Span) -> Counted:
    """`sum`: the organisations' figures added. `collective`: the reporter of record's figure,
    else the largest another organisation reported (flagged); the others listed beside it."""
    reported = {org: b for org, b in by_org.items() if getattr(b, span).records}
    if not rule.collective:
        summed = list(by_org.values())
        return Counted(
            figure=_merged([getattr(b, span) for b in summed]),
            organisations=sum(b.organisations if org is None else 1 for org, b in reported.items()),
            first_true=min(
                (b.first_true for b in summed if b.first_true is not None), default=None
            ),
            first_true_this_year=min(
                (b.first_true_this_year for b in summed if b.first_true_this_year is not None),
                default=None,
            ),
            last_true=max((b.last_true for b in summed if b.last_true is not None), default=None),
        )
    if not reported:
        return Counted()
    chosen = rule.reporter if rule.reporter in reported else _largest(rule, reported, span)
    figure = getattr(reported[chosen], span)
    others = {org: getattr(b, span) for org, b in reported.items() if org != chosen}
    flags = [] if chosen == rule.reporter else ["not_from_reporter_of_record"]
    mine = value_of(rule.measure, figure)
    if any(value_of(rule.measure, other) != mine for other in others.values()):
        flags.append("reporters_disagree")
    buckets = reported[chosen]
    return Counted(
        figure=figure,
        organisation=chosen,
        others=others,
        organisations=1,
        flags=flags,
        first_true=buckets.first_true,
        first_true_this_year=buckets.first_true_this_year,
        last_true=buckets.last_true,
    )


def _largest(rule: IndicatorRule, reported: dict[Org, Buckets], span: Span) -> Org:
    best: Org = None
    for org in sorted(reported, key=lambda o: o or 0):  # ties: the first organisation
        part = _part(getattr(reported[org], span))
        if best is None or larger(rule.measure, _part(getattr(reported[best], span)), part) is part:
            best = org
    return best


def _part(figure: Figure) -> Part:
    return Part(figure.numerator, figure.denominator, figure.records)


@dataclass(frozen=True)
class Answer:
    value: Any
    achieved_in: int | None = None  # positions (`Calendar.position`)
    last_confirmed_in: int | None = None


def answer(rule: IndicatorRule, now: Counted, this_year: Counted, to_date: Counted) -> Answer:
    """The value for the period. Counts and percentages: the period's figure. Yes/no by kind:
    a milestone is yes from its first yes on; an annual one from its first yes of the year to
    the year's end; an updated one is yes once established, with when it was last confirmed.
    Otherwise no if the period's answers say no, else unknown."""
    if rule.measure != MeasureType.boolean:
        return Answer(value_of(rule.measure, now.figure, rule.computed))
    unanswered = False if now.figure.records else None
    if rule.boolean_kind == BooleanKind.annual:
        first = this_year.first_true_this_year
        return Answer(True if first is not None else unanswered, achieved_in=first)
    first = to_date.first_true
    last = to_date.last_true if rule.boolean_kind == BooleanKind.updated else None
    return Answer(True if first is not None else unanswered, first, last)


def cumulative(rule: IndicatorRule, to_date: Counted) -> Any:
    """Since the plan started: the figure to date; for yes/no, achieved at least once."""
    if rule.measure == MeasureType.boolean:
        return True if to_date.first_true is not None else value_of(rule.measure, to_date.figure)
    return value_of(rule.measure, to_date.figure, rule.computed)
