"""XLSX exports: openpyxl's write-only workbook, which writes each row to disk as it comes, saved
to a temporary file that is then sent in chunks and deleted."""

import tempfile
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ehp_api.readings.columns import safe

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576  # Excel's rows per sheet, header rows included
_FILE_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Style:
    bold: bool = False
    fill: str | None = None  # RGB, e.g. "EEEEEE"
    number_format: str | None = None
    wrap: bool = False


HEADER = Style(bold=True)


@dataclass(frozen=True)
class Styled:
    value: Any
    style: Style


@dataclass
class Sheet:
    title: str
    header: list[Sequence[Any]]  # bold, and frozen above the rows
    widths: Sequence[float]
    rows: Iterable[Sequence[Any]]
    frozen_columns: int = 0
    wrapped: set[int] = field(default_factory=set)  # columns (from 0) whose text wraps


def write(sheets: Iterable[Sheet], target: IO[bytes]) -> None:
    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book.create_sheet(sheet.title), sheet)
    book.save(target)


def _write_sheet(worksheet: WriteOnlyWorksheet, sheet: Sheet) -> None:
    # Write-only sheets take their layout before their first row.
    worksheet.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}{len(sheet.header) + 1}"
    for position, width in enumerate(sheet.widths, start=1):
        worksheet.column_dimensions[get_column_letter(position)].width = width
    for row in sheet.header:
        worksheet.append([_styled(worksheet, value, HEADER) for value in row])
    for row in sheet.rows:
        worksheet.append([_cell(worksheet, v, i in sheet.wrapped) for i, v in enumerate(row)])


def _cell(worksheet: WriteOnlyWorksheet, value: Any, wrap: bool) -> Any:
    if isinstance(value, Styled):
        return _styled(worksheet, value.value, replace(value.style, wrap=wrap))
    if wrap and isinstance(value, str):
        return _styled(worksheet, value, Style(wrap=True))
    return plain(value)


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
    if isinstance(value, str):
        # Control characters would make openpyxl refuse the cell, halfway through the file.
        return safe(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return value


def _styled(worksheet: WriteOnlyWorksheet, value: Any, style: Style) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=plain(value))
    if style.bold:
        cell.font = _bold()
    if style.fill:
        cell.fill = _fill(style.fill)
    if style.number_format:
        cell.number_format = style.number_format
    if style.wrap:
        cell.alignment = _wrap()
    return cell


@cache
def _bold() -> Font:
    return Font(bold=True)


@cache
def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


@cache
def _wrap() -> Alignment:
    return Alignment(wrap_text=True, vertical="top")


def built(build: Callable[[IO[bytes]], None]) -> IO[bytes]:
    """A temporary file holding what `build` wrote; the system deletes it when it is closed."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - it outlives this function: see send()
    try:
        build(file)
    except BaseException:
        file.close()
        raise
    return file


def send(file: IO[bytes]) -> Generator[bytes, None, None]:
    """The file in chunks, then closed (and so deleted), even when the client goes away."""
    try:
        file.seek(0)
        while chunk := file.read(_FILE_CHUNK):
            yield chunk
    finally:
        file.close()
