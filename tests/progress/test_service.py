"""One organisation's figure (`grain`) and the EHP's (`combine`), rule by rule, on cells."""

from datetime import date

import pytest

from ehp_api.indicators.models import Aggregation, BooleanKind, MeasureType
from ehp_api.periods.models import PeriodKind
from ehp_api.progress import combine, grain, sums
from ehp_api.progress.calendar import Calendar, PeriodInfo
from ehp_api.progress.plan import IndicatorRule
from ehp_api.progress.sums import Buckets, Figure

YEAR, Q1, Q2 = 1, 2, 3
CALENDAR = Calendar(
    {
        YEAR: PeriodInfo(YEAR, "2021", PeriodKind.year, 2021, date(2021, 1, 1), date(2021, 12, 31)),
        Q1: PeriodInfo(Q1, "2021Q1", PeriodKind.quarter, 2021, date(2021, 1, 1), date(2021, 3, 31)),
        Q2: PeriodInfo(Q2, "2021Q2", PeriodKind.quarter, 2021, date(2021, 4, 1), date(2021, 6, 30)),
    }
)
GAO, ANSONGO, BOUREM, BAMAKO = 7, 701, 702, 9
HCR, UNICEF, OCHA = 10, 11, 12


def cell(
    value: int,
    period: int = Q2,
    place: int | None = None,
    region: int | None = None,
    breakdown: tuple = (),
    denominator: int | None = None,
) -> grain.Cell:
    region = region if region is not None else place
    return grain.Cell(HCR, period, place, region, None, breakdown, value, denominator)


def totals(cells: list[grain.Cell], measure: MeasureType = MeasureType.count) -> dict:
    return {
        (r.period, r.category, r.option): (r.numerator, r.denominator, r.overlaps, r.excess)
        for r in grain.rows(cells, measure, CALENDAR)
    }


class TestOneOrganisation:
    def test_a_region_stands_for_its_cercles_unless_they_add_up_to_more(self) -> None:
        smaller = [cell(6, place=GAO), cell(2, place=ANSONGO, region=GAO)]
        assert totals(smaller)[(Q2, "", "")] == (6, None, 1, 0)
        larger = [*smaller, cell(5, place=BOUREM, region=GAO)]
        assert totals(larger)[(Q2, "", "")] == (7, None, 1, 1)

    def test_other_regions_and_readings_without_a_place_add_up(self) -> None:
        cells = [cell(6, place=GAO), cell(3, place=BAMAKO), cell(2)]
        assert totals(cells)[(Q2, "", "")] == (11, None, 0, 0)

    def test_of_two_fractions_of_the_same_ground_the_one_on_more_cases_counts(self) -> None:
        cells = [
            cell(1, place=GAO, denominator=2),
            cell(3, place=ANSONGO, region=GAO, denominator=10),
        ]
        assert totals(cells, MeasureType.percentage)[(Q2, "", "")] == (3, 10, 1, 0)

    def test_a_year_reading_gives_way_to_quarters_of_the_same_ground(self) -> None:
        cells = [cell(20, YEAR, place=GAO), cell(3, Q1, place=ANSONGO, region=GAO)]
        assert set(totals(cells)) == {(Q1, "", "")}
        elsewhere = [cell(20, YEAR, place=BAMAKO), cell(3, Q1, place=ANSONGO, region=GAO)]
        assert totals(elsewhere)[(YEAR, "", "")][0] == 20

    def test_a_total_from_one_category_never_two(self) -> None:
        cells = [
            cell(10, breakdown=(("participant_type", "un"),)),
            cell(15, breakdown=(("participant_type", "ngo"),)),
            cell(22, breakdown=(("participant_sector", "humanitarian"),)),
        ]
        found = totals(cells)
        assert found[(Q2, "", "")][0] == 25
        assert found[(Q2, "participant_sector", "humanitarian")][0] == 22

    def test_crossed_breakdowns_give_each_category_its_options(self) -> None:
        cells = [
            cell(
                5, breakdown=(("participant_sector", "humanitarian"), ("participant_type", "ngo"))
            ),
            cell(3, breakdown=(("participant_sector", "development"), ("participant_type", "ngo"))),
        ]
        found = totals(cells)
        assert found[(Q2, "", "")][0] == 8
        assert found[(Q2, "participant_type", "ngo")][0] == 8
        assert found[(Q2, "participant_sector", "humanitarian")][0] == 5


def rule(aggregation: Aggregation, measure: MeasureType = MeasureType.count,
         kind: BooleanKind | None = None) -> IndicatorRule:  # fmt: skip
    return IndicatorRule(1, "x", measure, aggregation, OCHA, kind, False, (), ())


def reported(value: int, denominator: int = 0) -> Buckets:
    figure = Figure(numerator=value, denominator=denominator, records=1)
    return Buckets(in_period=figure, year_to_date=figure, to_date=figure)


class TestSeveralOrganisations:
    def test_a_sum_adds_them(self) -> None:
        counted = combine.combine(
            rule(Aggregation.sum), {HCR: reported(2), UNICEF: reported(3)}, "in_period"
        )
        assert (counted.figure.numerator, counted.organisations, counted.flags) == (5, 2, [])

    def test_a_collective_fact_is_the_reporter_of_records(self) -> None:
        found = {HCR: reported(5), OCHA: reported(3)}
        counted = combine.combine(rule(Aggregation.collective), found, "in_period")
        assert (counted.figure.numerator, counted.organisation) == (3, OCHA)
        assert counted.flags == ["reporters_disagree"]

    @pytest.mark.parametrize(("hcr", "unicef", "chosen"), [(2, 2, HCR), (1, 4, UNICEF)])
    def test_without_the_reporter_the_largest_counts(
        self, hcr: int, unicef: int, chosen: int
    ) -> None:
        found = {HCR: reported(hcr), UNICEF: reported(unicef)}
        counted = combine.combine(rule(Aggregation.collective), found, "in_period")
        assert (counted.figure.numerator, counted.organisation) == (max(hcr, unicef), chosen)
        assert counted.flags[0] == "not_from_reporter_of_record"

    def test_for_a_percentage_the_largest_rests_on_more_cases(self) -> None:
        found = {HCR: reported(5, 5), UNICEF: reported(2, 40)}
        counted = combine.combine(
            rule(Aggregation.collective, MeasureType.percentage), found, "in_period"
        )
        assert counted.organisation == UNICEF


def test_rows_summed_in_python_fill_every_span_they_fall_in() -> None:
    """Kills the to-date figure added with its arguments shifted in `sums.from_rows` (its one
    caller, the grouping by location, shows no to-date figure, so no API test can see it)."""
    rows = [
        (7, None, grain.Row(1, period, None, "other", *grain.TOTAL, numerator, None, 1))
        for period, numerator in ((Q1, 2), (Q2, 4))
    ]
    found = sums.from_rows(rows, CALENDAR, CALENDAR.spans(CALENDAR.periods[Q2]))[7][None]
    figures = (found.in_period, found.year_to_date, found.to_date)
    assert [(f.numerator, f.records, f.zones["other"].numerator) for f in figures] == [
        (4, 1, 4), (6, 2, 6), (6, 2, 6),
    ]  # fmt: skip
