"""The readings template: a row per indicator planned in a period and per option of its
breakdowns, ready to fill in and import; the XLSX adds drop-down lists of the codes, the P-codes
with their names, and the instructions, in the request's language."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, select

from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import N_, current_language, tr
from ehp_api.indicators.models import (
    DisaggregationCategory,
    Indicator,
    IndicatorSchedule,
    MeasureType,
)
from ehp_api.locations.models import Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period
from ehp_api.readings.columns import BREAKDOWNS, COLUMNS, NAMES, SHEET, Cell, safe

Format = Literal["xlsx", "csv"]
ZONE = "zone"  # follows from the P-code: no row of its own (see `_slots`)
SPARE_ROWS = 200  # rows under the template's own that keep the drop-down lists, for copies
_WIDTHS = {"indicator": 12, "period": 9, "organisation": 14, "comment": 40, "external_ref": 20}
_GUIDE_HEADER = (
    N_("code"),
    N_("measure"),
    N_("text (French)"),
    N_("breakdowns"),
    N_("what to fill in"),
)
_GUIDE_WIDTHS = (10, 12, 80, 50, 70)
_PLACES_HEADER = (N_("P-code"), N_("name"), N_("level"), N_("region P-code"), N_("region"))
_LEVELS = {1: N_("region (adm1)"), 2: N_("cercle (adm2)")}
SHEETS = {
    "instructions": N_("instructions"),
    "indicators": N_("indicators"),
    "places": N_("P-codes"),
    "lists": N_("lists"),
}
INSTRUCTIONS = (
    N_(
        "Fill in one row per figure. The sheet {readings} has, for each indicator planned in "
        "{period}, a row for its total (breakdown cells empty) and a row for each option of its "
        "breakdowns (the option filled in): type the figure of that option only."
    ),
    N_(
        "Keep the first two rows (the column names and the HXL hashtags) and the codes already "
        "filled in. The cells with a drop-down list take only the codes of the list."
    ),
    N_(
        "Counts: an integer of 0 or more in {value}. Yes/no: {yes} or {no} in {value}. "
        "Percentages: the {numerator} and the {denominator} (integers), never the percentage; "
        "leave {value} empty. The sheet {indicators} says what each indicator counts."
    ),
    N_(
        "Place: a region P-code in {adm1} or a cercle P-code in {adm2} (the sheet {places} "
        "gives their names); leave both empty for a figure not tied to a place. For several "
        "places, copy the row and change the P-code."
    ),
    N_(
        "The Liptako Gourma share follows from the P-codes: leave {zone} empty when you give "
        "one. Without a P-code, a copied row may name the zone instead; never give both a total "
        "without a zone and the same figure by zone."
    ),
    N_(
        "Never add the options of two breakdowns together: each breakdown splits the same "
        "total. Rows left without a value are ignored when the file is imported."
    ),
    N_(
        "Send the file back as it is (.xlsx, or saved as CSV UTF-8): POST "
        "/api/v1/readings/import, or the command ehp-api push. Sending it again updates the "
        "values: nothing is counted twice."
    ),
)
_COLUMNS_HEADER = (N_("column"), N_("name"), "HXL", N_("meaning"))


@dataclass(frozen=True)
class Line:
    """A row to fill in: an indicator's total (no category), or one option of a breakdown."""

    indicator: Indicator
    category: str | None = None
    option: str | None = None


def planned_indicators(session: Session, period_code: str) -> list[Indicator]:
    """Indicators planned in the period (a year: in any of its quarters) that take manual
    readings, in the plan's order."""
    quarters = periods_service.quarters_of(session, period_code, query_field="period")
    planned = select(IndicatorSchedule.indicator_id).where(
        IndicatorSchedule.period_id.in_([q.id for q in quarters])
    )
    stmt = select(Indicator).where(
        Indicator.id.in_(planned),
        Indicator.computed_from.is_(None),
    )
    indicators = session.exec(stmt).all()
    return sorted(indicators, key=lambda i: tuple(int(part) for part in i.code.split(".")))


def _check_organisation(session: Session, code: str) -> None:
    if session.exec(select(Organisation.id).where(Organisation.code == code)).first() is None:
        reason = tr(
            "no organisation has the code {code!r}",
            code=code,
        )
        param = InvalidParam(
            location="query", field="organisation", reason=reason, code="unknown_organisation"
        )
        raise InvalidInput(
            tr(
                "No organisation has the code {code!r}.",
                code=code,
            ),
            errors=[param],
        )


def lines_of(indicator: Indicator) -> list[Line]:
    """The total, then each option of each breakdown but the zone: a zone row beside the total
    row would count the same figure twice (zones add up), and the P-code gives the zone."""
    options = [
        Line(indicator, d.category.code, option.code)
        for d in indicator.disaggregations
        if d.category.code in BREAKDOWNS and d.category.code != ZONE
        for option in d.category.options
    ]
    return [Line(indicator), *options]


def build_template(
    session: Session, organisation_code: str, period_code: str, fmt: Format
) -> bytes:
    """The template file: header (in the request's language), HXL row, then the rows to fill."""
    _check_organisation(session, organisation_code)
    indicators = planned_indicators(session, period_code)
    lines = [line for indicator in indicators for line in lines_of(indicator)]
    rows = [_row(line, period_code, organisation_code) for line in lines]
    table: list[list[Cell]] = [[tr(c.label) for c in COLUMNS], [c.hxl for c in COLUMNS], *rows]
    if fmt == "csv":
        return _csv(table)
    return _Workbook(session, period_code, organisation_code).build(table, indicators, lines)


def _row(line: Line, period_code: str, organisation_code: str) -> list[Cell]:
    cells: dict[str, Cell] = {
        "indicator": line.indicator.code,
        "period": period_code,
        "organisation": organisation_code,
    }
    if line.category is not None:
        cells[line.category] = line.option
    return [cells.get(name) for name in NAMES]


def _csv(table: Sequence[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([[safe(c) for c in row] for row in table])
    # With a BOM, Excel opens the file as UTF-8 and keeps the accents.
    return buffer.getvalue().encode("utf-8-sig")


class _Workbook:
    """The XLSX: the readings sheet with its drop-down lists, then the sheets they point at."""

    def __init__(self, session: Session, period_code: str, organisation_code: str) -> None:
        self.session = session
        self.period = period_code
        self.organisation = organisation_code
        self.book = Workbook()

    def build(
        self, table: Sequence[Sequence[Cell]], indicators: list[Indicator], lines: list[Line]
    ) -> bytes:
        sheet = self.book.active
        assert isinstance(sheet, Worksheet)
        sheet.title = tr(SHEET)
        _fill(sheet, table, [_WIDTHS.get(name, 11) for name in NAMES])
        sheet.freeze_panes = "A3"  # header and HXL row stay in view
        self._instructions(sheet.title)
        guide = self.book.create_sheet(tr(SHEETS["indicators"]))
        header = [tr(text) for text in _GUIDE_HEADER]
        _fill(guide, [header, *(self._guide_row(i) for i in indicators)], _GUIDE_WIDTHS)
        guide.freeze_panes = "A2"
        self._validate(sheet, guide.title, len(indicators), lines)
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()

    def _instructions(self, readings_title: str) -> None:
        sheet = self.book.create_sheet(tr(SHEETS["instructions"]))
        names = {c.name: _quoted(tr(c.label)) for c in COLUMNS}
        fields = {
            **names,
            "readings": _quoted(readings_title),
            "indicators": _quoted(tr(SHEETS["indicators"])),
            "places": _quoted(tr(SHEETS["places"])),
            "period": self.period,
            "yes": tr("yes"),
            "no": tr("no"),
        }
        title = tr("How to fill in this template")
        paragraphs = [[tr(text, **fields)] for text in INSTRUCTIONS]
        columns_header = [tr(text) if text != "HXL" else text for text in _COLUMNS_HEADER]
        columns = [[tr(c.label), c.name, c.hxl, tr(c.description)] for c in COLUMNS]
        _fill(sheet, [[title], *paragraphs, [], columns_header, *columns], (110, 20, 24, 70))
        wrap = Alignment(wrap_text=True, vertical="top")
        for (cell,) in sheet.iter_rows(min_row=2, max_row=1 + len(paragraphs), max_col=1):
            cell.alignment = wrap
        for cell in sheet[len(paragraphs) + 3]:
            cell.font = Font(bold=True)

    def _guide_row(self, indicator: Indicator) -> tuple[Cell, ...]:
        english = current_language() == "en"
        breakdowns = "; ".join(
            "{}: {}".format(
                d.category.code,
                ", ".join(
                    f"{o.code} ({(o.label_en if english else None) or o.label_fr})"
                    for o in d.category.options
                ),
            )
            for d in indicator.disaggregations
        )
        return (
            indicator.code,
            indicator.measure.value,
            indicator.text_fr,
            breakdowns or tr("none"),
            _what_to_fill(indicator),
        )

    def _validate(
        self, sheet: Worksheet, guide_title: str, indicators: int, lines: list[Line]
    ) -> None:
        last = 2 + len(lines) + SPARE_ROWS
        column = {name: get_column_letter(i) for i, name in enumerate(NAMES, start=1)}

        def whole_column(name: str, formula: str) -> None:
            rule = _list(formula)
            rule.add(f"{column[name]}3:{column[name]}{last}")
            sheet.add_data_validation(rule)

        whole_column("indicator", _range(guide_title, "A", 2, 1 + indicators))
        whole_column("organisation", f'"{self.organisation}"')
        lists = self.book.create_sheet(tr(SHEETS["lists"]))
        lists.sheet_state = "hidden"  # what the drop-down lists read; the user needs none of it
        whole_column("period", self._list_column(lists, 1, "period", self._periods()))
        for position, category in enumerate(self._categories(), start=2):
            codes = [o.code for o in category.options]
            whole_column(category.code, self._list_column(lists, position, category.code, codes))
        regions, cercles = self._places()
        places = tr(SHEETS["places"])
        whole_column("adm1", _range(places, "A", 2, 1 + regions))
        whole_column("adm2", _range(places, "A", 2 + regions, 1 + regions + cercles))
        self._values(sheet, column, lines)

    def _list_column(self, lists: Worksheet, position: int, title: str, codes: list[str]) -> str:
        letter = get_column_letter(position)
        for row, value in enumerate([title, *codes], start=1):
            lists[f"{letter}{row}"] = value
        return _range(lists.title, letter, 2, 1 + len(codes))

    def _values(self, sheet: Worksheet, column: dict[str, str], lines: list[Line]) -> None:
        """Each template row's value cells take what its indicator's measure takes."""
        count = _rule("whole", tr("An integer of 0 or more."))
        count.operator, count.formula1 = "greaterThanOrEqual", "0"
        yes_no = _list(f'"{tr("yes")},{tr("no")}"')
        for row, line in enumerate(lines, start=3):
            measure = line.indicator.measure
            if measure == MeasureType.count:
                count.add(f"{column['value']}{row}")
            elif measure == MeasureType.boolean:
                yes_no.add(f"{column['value']}{row}")
            else:
                count.add(f"{column['numerator']}{row}:{column['denominator']}{row}")
        for rule in (count, yes_no):
            if rule.sqref.ranges:
                sheet.add_data_validation(rule)

    def _periods(self) -> list[str]:
        """The template's year and its quarters (a partner may report a quarter or the year)."""
        year = self.period[:4]
        stmt = select(Period.code).where(Period.year == int(year)).order_by(Period.starts_on)
        codes = list(self.session.exec(stmt).all())
        return sorted(codes, key=lambda code: (len(code), code))

    def _categories(self) -> list[DisaggregationCategory]:
        stmt = select(DisaggregationCategory).where(DisaggregationCategory.code.in_(BREAKDOWNS))
        return list(self.session.exec(stmt.order_by(DisaggregationCategory.id)).all())

    def _places(self) -> tuple[int, int]:
        """The P-codes sheet, regions first, then cercles: two ranges for the two columns."""
        found = self.session.exec(select(Location).order_by(Location.level, Location.pcode)).all()
        rows = [
            [
                place.pcode,
                place.name,
                tr(_LEVELS[place.level]),
                place.parent.pcode if place.parent else None,
                place.parent.name if place.parent else None,
            ]
            for place in found
        ]
        sheet = self.book.create_sheet(tr(SHEETS["places"]), index=3)
        _fill(sheet, [[tr(h) for h in _PLACES_HEADER], *rows], (10, 24, 16, 14, 24))
        sheet.freeze_panes = "A2"
        regions = sum(1 for place in found if place.level == 1)
        return regions, len(found) - regions


def _quoted(name: str) -> str:
    return f"« {name} »" if current_language() == "fr" else f"“{name}”"


def _range(title: str, letter: str, first: int, last: int) -> str:
    return f"{quote_sheetname(title)}!${letter}${first}:${letter}${max(first, last)}"


def _rule(kind: str, error: str, formula: str | None = None) -> DataValidation:
    rule = DataValidation(type=kind, formula1=formula, allow_blank=True)
    rule.showErrorMessage = True
    rule.errorTitle = tr("Not accepted")
    rule.error = error
    return rule


def _list(formula: str) -> DataValidation:
    return _rule("list", tr("Choose a value from the drop-down list."), formula)


def _fill(sheet: Worksheet, table: Sequence[Sequence[Cell]], widths: Sequence[int]) -> None:
    for row in table:
        sheet.append([safe(c) for c in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


def _what_to_fill(indicator: Indicator) -> str:
    if indicator.measure == MeasureType.percentage:
        return tr(
            "numerator: {numerator}; denominator: {denominator} (integers; leave value empty)",
            numerator=indicator.numerator_label or tr("the part"),
            denominator=indicator.denominator_label or tr("the whole"),
        )
    if indicator.measure == MeasureType.boolean:
        return tr("value: oui/non or true/false (not 1/0)")
    return tr("value: an integer >= 0")
