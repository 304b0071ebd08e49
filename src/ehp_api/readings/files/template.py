"""The readings template: one row per indicator planned in a period, ready to fill in and import."""

import csv
import io
from collections.abc import Sequence
from typing import Literal

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, select

from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import N_, tr
from ehp_api.indicators.models import Indicator, IndicatorSchedule, MeasureType
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service
from ehp_api.readings.columns import COLUMNS, NAMES, Cell, safe

Format = Literal["xlsx", "csv"]
_WIDTHS = {"indicator": 12, "period": 9, "organisation": 14, "comment": 40, "external_ref": 20}
_GUIDE_HEADER = (
    N_("code"),
    N_("measure"),
    N_("text (French)"),
    N_("breakdowns"),
    N_("what to fill in"),
)
_GUIDE_WIDTHS = (10, 12, 80, 50, 70)


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


def build_template(
    session: Session, organisation_code: str, period_code: str, fmt: Format
) -> bytes:
    """The template file: header, HXL row, then a row per planned indicator to fill in."""
    _check_organisation(session, organisation_code)
    indicators = planned_indicators(session, period_code)
    blank = [None] * (len(NAMES) - 3)
    rows: list[list[Cell]] = [[i.code, period_code, organisation_code, *blank] for i in indicators]
    table: list[list[Cell]] = [list(NAMES), [c.hxl for c in COLUMNS], *rows]
    return _xlsx(table, indicators) if fmt == "xlsx" else _csv(table)


def _csv(table: Sequence[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([[safe(c) for c in row] for row in table])
    # With a BOM, Excel opens the file as UTF-8 and keeps the accents.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(table: Sequence[Sequence[Cell]], indicators: list[Indicator]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "readings"
    _fill(sheet, table, [_WIDTHS.get(name, 11) for name in NAMES])
    sheet.freeze_panes = "A3"  # header and HXL row stay in view
    guide = book.create_sheet("indicators")
    header = [tr(text) for text in _GUIDE_HEADER]
    _fill(guide, [header, *(_guide_row(i) for i in indicators)], _GUIDE_WIDTHS)
    guide.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(sheet: Worksheet, table: Sequence[Sequence[Cell]], widths: Sequence[int]) -> None:
    for row in table:
        sheet.append([safe(c) for c in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


def _guide_row(indicator: Indicator) -> tuple[Cell, ...]:
    breakdowns = "; ".join(
        f"{d.category.code}: {', '.join(o.code for o in d.category.options)}"
        for d in indicator.disaggregations
    )
    return (
        indicator.code,
        indicator.measure.value,
        indicator.text_fr,
        breakdowns or tr("none"),
        _what_to_fill(indicator),
    )


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
