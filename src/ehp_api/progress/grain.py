"""One organisation's figure for an indicator, from its validated readings: what `reading_totals`
keeps, and what the values endpoint shows place by place.

The rules, in the order they apply (`RULES` in `rules.py` states them for coordinators):
1. A whole-year reading counts only where the organisation posted no quarterly reading that
   year for the same place (or a place inside it, or containing it) and zone.
2. A place's figure is its total reading; posted by breakdown only, the sum of the options of
   ONE category (the one adding up to most): two categories are the same people counted twice.
3. A region (admin 1) and the cercles (admin 2) inside it are the same ground: never added. The
   region's own figure stands for it; where its cercles add up to more, the larger counts and
   the difference is flagged. Readings without a place are added as work not placed.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ehp_api.indicators.models import MeasureType
from ehp_api.progress.calendar import Calendar

Breakdown = tuple[tuple[str, str], ...]
Slot = tuple[str, str]  # (category, option); ("", "") is the total
TOTAL: Slot = ("", "")


@dataclass(frozen=True)
class Cell:
    """One validated reading, reduced to what the rules read."""

    organisation: int
    period: int
    place: int | None
    region: int | None  # the place's region: itself for a region, None without a place
    zone: str | None
    breakdown: Breakdown  # categories other than the zone, sorted
    numerator: int
    denominator: int | None


@dataclass
class Part:
    numerator: int = 0
    denominator: int = 0
    records: int = 0

    def add(self, numerator: int, denominator: int | None, records: int = 1) -> None:
        self.numerator += numerator
        self.denominator += denominator or 0
        self.records += records

    def plus(self, other: "Part") -> "Part":
        return Part(
            self.numerator + other.numerator,
            self.denominator + other.denominator,
            self.records + other.records,
        )


def larger(measure: MeasureType, first: Part, second: Part) -> Part:
    """The larger of two figures of the same thing: by denominator for a percentage (the one
    resting on more cases), else by value; `first` on a tie."""
    if not second.records:
        return first
    if not first.records:
        return second
    key = (
        (lambda p: p.denominator) if measure == MeasureType.percentage else (lambda p: p.numerator)
    )
    return second if key(second) > key(first) else first


@dataclass(frozen=True)
class Row:
    """A kept figure: one organisation, period, zone and slot (total or option)."""

    organisation: int
    period: int
    place: int | None  # only when figures are kept place by place
    zone: str | None
    category: str
    option: str
    numerator: int
    denominator: int | None
    records: int
    overlaps: int = 0
    excess: int = 0
    from_breakdown: int = 0


@dataclass
class _Place:
    """A place's figure in one period and zone: its total and its options."""

    slots: dict[Slot, Part] = field(default_factory=dict)
    from_breakdown: bool = False


def rows(
    cells: Iterable[Cell], measure: MeasureType, calendar: Calendar, *, by_place: bool = False
) -> list[Row]:
    """The organisations' figures, per period, zone and slot (and place when `by_place`)."""
    places = _place_figures(_year_rule(list(cells), calendar), measure)
    return _without_double_ground(places, measure, by_place)


def _overlap(a: Cell, b: Cell) -> bool:
    if a.place is None or b.place is None:
        return a.place == b.place
    return a.place == b.place or a.region == b.place or a.place == b.region


def _year_rule(cells: list[Cell], calendar: Calendar) -> list[Cell]:
    quarterly: dict[tuple[int, str | None, int], list[Cell]] = defaultdict(list)
    for cell in cells:
        period = calendar.periods[cell.period]
        if not period.is_year:
            quarterly[(cell.organisation, cell.zone, period.year)].append(cell)

    def counts(cell: Cell) -> bool:
        period = calendar.periods[cell.period]
        if not period.is_year:
            return True
        same = quarterly.get((cell.organisation, cell.zone, period.year), [])
        return not any(_overlap(cell, quarter) for quarter in same)

    return [cell for cell in cells if counts(cell)]


PlaceKey = tuple[int, int, int | None, int | None, str | None]  # org, period, place, region, zone


def _place_figures(cells: list[Cell], measure: MeasureType) -> dict[PlaceKey, _Place]:
    grouped: dict[PlaceKey, list[Cell]] = defaultdict(list)
    for c in cells:
        grouped[(c.organisation, c.period, c.place, c.region, c.zone)].append(c)
    return {key: _place(group, measure) for key, group in grouped.items()}


def _place(cells: list[Cell], measure: MeasureType) -> _Place:
    total = Part()
    single: dict[Slot, Part] = defaultdict(Part)
    crossed: dict[Slot, Part] = defaultdict(Part)
    for c in cells:
        if not c.breakdown:
            total.add(c.numerator, c.denominator)
        for category, option in c.breakdown:
            parts = single if len(c.breakdown) == 1 else crossed
            parts[(category, option)].add(c.numerator, c.denominator)
    categories = {category for category, _ in [*single, *crossed]}
    slots: dict[Slot, Part] = {}
    for category in categories:  # a category posted alone is read alone, else from crossings
        source = single if any(s[0] == category for s in single) else crossed
        slots |= {slot: part for slot, part in source.items() if slot[0] == category}
    figure = _Place(slots=slots)
    if total.records:
        slots[TOTAL] = total
        return figure
    sums = [_category_sum(slots, category) for category in sorted(categories)]
    if sums:
        best = sums[0]
        for candidate in sums[1:]:
            best = larger(measure, best, candidate)
        slots[TOTAL], figure.from_breakdown = best, True
    return figure


def _category_sum(slots: dict[Slot, Part], category: str) -> Part:
    result = Part()
    for (name, _), part in slots.items():
        if name == category:
            result = result.plus(part)
    return result


def _without_double_ground(
    places: dict[PlaceKey, _Place], measure: MeasureType, by_place: bool
) -> list[Row]:
    """Per ground (a region with its cercles; a place alone when `by_place`), the region's own
    figure or its cercles' sum, whichever is larger, slot by slot; then summed per zone."""
    grounds: dict[tuple, list[tuple[bool, _Place]]] = defaultdict(list)
    for (org, period, place, region, zone), figure in places.items():
        ground = place if by_place or place is None else region
        grounds[(org, period, zone, ground)].append((place is not None and place == region, figure))
    summed: dict[tuple, Part] = defaultdict(Part)
    flags: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (org, period, zone, ground), figures in grounds.items():
        place = ground if by_place else None
        for slot in {s for _, figure in figures for s in figure.slots}:
            own, cercles = Part(), Part()
            for is_region, figure in figures:
                part = figure.slots.get(slot, Part())
                own, cercles = (own.plus(part), cercles) if is_region else (own, cercles.plus(part))
            chosen = larger(measure, own, cercles)
            key = (org, period, place, zone, slot)
            summed[key] = summed[key].plus(chosen)
            if slot == TOTAL:
                mark = flags[key]
                if own.records and cercles.records:
                    mark[0] += 1
                    if chosen is cercles and measure != MeasureType.percentage:
                        mark[1] += cercles.numerator - own.numerator
                mark[2] |= any(f.from_breakdown for _, f in figures if TOTAL in f.slots)
    percentage = measure == MeasureType.percentage
    result = []
    for (org, period, place, zone, slot), part in summed.items():
        overlaps, excess, from_breakdown = flags.get((org, period, place, zone, slot), (0, 0, 0))
        denominator = part.denominator if percentage else None
        result.append(
            Row(org, period, place, zone, slot[0], slot[1], part.numerator, denominator,
                part.records, overlaps, excess, from_breakdown)
        )  # fmt: skip
    return result
