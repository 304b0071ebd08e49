"""Readings files: CSV or XLSX read into `ReadingIn` dicts, or refused with a code and a reason.

Used by the server's `POST /readings/import` (`ehp_api.readings.files.parse`, which turns a
`FileRefused` into a problem naming `file`, in the request's language) and by `ehp-push`, so both
read a file alike. A reason is a `Message`, rendered in English here and in the request's
language by the server.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from time import monotonic
from typing import Any, NoReturn

import openpyxl

from ehp_partner.columns import BY_HXL, NAMES, READ_ONLY, Cell, normalise_hxl, row_to_reading
from ehp_partner.i18n import N_, Message, tr

MAX_ROWS = 10_000
MAX_CELL = 2_000
MAX_COLUMNS = 64  # wider sheets are read up to here: a stray far-right cell costs nothing
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SAVE_AS = N_("save it as .xlsx (Excel 2007 or later) or as CSV UTF-8")
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
# The csv module refuses a field over 128 KB as "unreadable", naming no row; the upload limit
# bounds the file, so read any field and let `_cells` refuse it naming its row and column.
csv.field_size_limit(2**31 - 1)
# What a template row holds before anyone fills it in: such a row is skipped, not refused.
_PREFILLED = frozenset({"indicator", "period", "organisation"})


@dataclass(frozen=True)
class ImportBounds:
    """The work one XLSX file may cost (the service's settings; these defaults for the push
    client): a small file can unpack to a sheet of a million rows, or to strings held in memory."""

    sheet_rows: int = 20_000
    unpacked_bytes: int = 64 * 2**20
    shared_strings_bytes: int = 32 * 2**20
    seconds: float = 20.0


SHARED_STRINGS = "xl/sharedStrings.xml"


@dataclass
class ParsedFile:
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the file row of each reading, header = 1


class FileRefused(Exception):
    """The file cannot be read as readings: `code` (stable) and `reason` (for a person)."""

    def __init__(self, filename: str, reason: Message, code: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename, self.reason, self.code = filename, reason, code


def parse(
    filename: str,
    content_type: str | None,
    data: bytes,
    *,
    required: Sequence[str] = ("indicator", "period"),
    max_rows: int = MAX_ROWS,
    bounds: ImportBounds = ImportBounds(),  # frozen: one shared default is safe
) -> ParsedFile:
    """The file's readings with their row numbers, or FileRefused saying why."""
    if not data.strip():
        raise FileRefused(filename, tr("the file is empty"), "file_empty")
    if _kind(filename, content_type, data) == "xlsx":
        table = _bounded(filename, _xlsx_table(filename, data, bounds), bounds)
    else:
        table = _csv_table(filename, data)
    return _read_table(filename, table, required, max_rows)


def _kind(filename: str, content_type: str | None, data: bytes) -> str:
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(_ZIP):
        return "xlsx"
    if data.startswith(_OLE) or suffix in (".xls", ".xlsx", ".ods"):
        raise FileRefused(
            filename,
            tr(
                "not a CSV or XLSX file; {SAVE_AS}",
                SAVE_AS=tr(SAVE_AS),
            ),
            "unsupported_file_type",
        )
    if suffix in (".csv", ".txt") or (content_type or "").startswith("text/"):
        return "csv"
    raise FileRefused(
        filename,
        tr(
            "not a CSV or XLSX file; {SAVE_AS}",
            SAVE_AS=tr(SAVE_AS),
        ),
        "unsupported_file_type",
    )


def _csv_table(filename: str, data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        reason = tr(
            "the file is not UTF-8 text; in Excel use File > Save As > 'CSV "
            "UTF-8 (comma delimited)', or send the .xlsx file",
        )
        raise FileRefused(filename, reason, "not_utf8") from None
    # French-locale Excel writes `;`: the header line tells which delimiter the file uses.
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise FileRefused(
            filename,
            tr(
                "unreadable CSV ({error})",
                error=error,
            ),
            "invalid_csv",
        ) from None


def _xlsx_table(filename: str, data: bytes, bounds: ImportBounds) -> Iterator[Sequence[Any]]:
    _check_unpacked_size(filename, data, bounds)
    # data_only=False: a formula reads as its text (`=SUM(...)`) and is refused, rather than as
    # a value Excel cached (or None) that nobody typed; openpyxl never evaluates formulas.
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        reason = tr(
            "not a readable XLSX workbook ({name}); {SAVE_AS}",
            name=type(error).__name__,
            SAVE_AS=tr(SAVE_AS),
        )
        raise FileRefused(filename, reason, "invalid_xlsx") from None
    try:
        if not book.worksheets:
            raise FileRefused(
                filename,
                tr(
                    "the workbook has no worksheet; {SAVE_AS}",
                    SAVE_AS=tr(SAVE_AS),
                ),
                "invalid_xlsx",
            )
        sheet = book["readings"] if "readings" in book.sheetnames else book.worksheets[0]
        # Read-only mode parses the sheet as it is iterated: damage shows up only here.
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except FileRefused:
        raise
    except Exception as error:
        reason = tr(
            "the sheet cannot be read ({name}); {SAVE_AS}",
            name=type(error).__name__,
            SAVE_AS=tr(SAVE_AS),
        )
        raise FileRefused(filename, reason, "invalid_xlsx") from None
    finally:
        book.close()


def _check_unpacked_size(filename: str, data: bytes, bounds: ImportBounds) -> None:
    """A small XLSX can unpack to gigabytes, and openpyxl holds the shared strings in memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sizes = {member.filename: member.file_size for member in archive.infolist()}
    except zipfile.BadZipFile:
        raise FileRefused(
            filename,
            tr(
                "not a readable XLSX workbook; {SAVE_AS}",
                SAVE_AS=tr(SAVE_AS),
            ),
            "invalid_xlsx",
        ) from None
    if sum(sizes.values()) > bounds.unpacked_bytes:
        what = tr("unpacks to more than")
        _refuse_past(filename, what, bounds.unpacked_bytes, "UNPACKED_BYTES")
    if sizes.get(SHARED_STRINGS, 0) > bounds.shared_strings_bytes:
        what = tr("holds more text (shared strings) than")
        _refuse_past(filename, what, bounds.shared_strings_bytes, "SHARED_STRINGS_BYTES")


def _refuse_past(filename: str, what: Message, bound: int, setting: str) -> NoReturn:
    reason = tr(
        "the workbook {what} {value} MB (EHP_IMPORT_MAX_{setting}); split it",
        what=what,
        value=bound // 2**20,
        setting=setting,
    )
    raise FileRefused(filename, reason, "too_large")


def _bounded(
    filename: str, rows: Iterator[Sequence[Any]], bounds: ImportBounds
) -> Iterator[Sequence[Any]]:
    """The sheet's rows, empty ones included, up to the bounds of rows and time: past either,
    the file is refused rather than read on (a stray cell at row 1,000,000 reads a million)."""
    deadline = monotonic() + bounds.seconds
    for count, row in enumerate(rows, start=1):
        if count > bounds.sheet_rows:
            reason = tr(
                "the sheet has more than {sheet_rows:,} rows, empty ones included "
                "(EHP_IMPORT_MAX_SHEET_ROWS); delete the rows below the data, or "
                "split it",
                sheet_rows=bounds.sheet_rows,
            )
            raise FileRefused(filename, reason, "too_many_rows")
        if monotonic() > deadline:
            reason = tr(
                "reading it took more than {seconds:g} s (EHP_IMPORT_MAX_SECONDS); split it",
                seconds=bounds.seconds,
            )
            raise FileRefused(filename, reason, "too_slow")
        yield row


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _is_hxl(cells: Sequence[Any]) -> bool:
    filled = [str(c).strip() for c in cells if _filled(c)]
    return bool(filled) and all(c.startswith("#") for c in filled)


def _read_table(
    filename: str, table: Iterable[Sequence[Any]], required: Sequence[str], max_rows: int
) -> ParsedFile:
    numbered = ((n, row) for n, row in enumerate(table, start=1) if any(map(_filled, row)))
    first = next(numbered, None)
    if first is None:
        raise FileRefused(filename, tr("the file has no rows"), "file_empty")
    header_is_hxl = _is_hxl(first[1])
    names = _header(filename, first[1], header_is_hxl, required)
    parsed, after_header = ParsedFile(), True
    for line, cells in numbered:
        hxl_row = after_header and not header_is_hxl and _is_hxl(cells)
        after_header = False
        if hxl_row:
            continue  # the HXL hashtag row under the header
        row = _cells(filename, line, names, cells)
        if set(row) - READ_ONLY <= _PREFILLED:
            continue
        if len(parsed.rows) == max_rows:
            reason = tr(
                "more than {max_rows:,} readings; split the file",
                max_rows=max_rows,
            )
            raise FileRefused(filename, reason, "too_many_rows")
        parsed.rows.append(row_to_reading(row))
        parsed.lines.append(line)
    if not parsed.rows:
        reason = tr(
            "no readings: fill in value (or numerator and denominator) in some rows",
        )
        raise FileRefused(filename, reason, "no_readings")
    return parsed


def _header(
    filename: str, cells: Sequence[Any], hxl: bool, required: Sequence[str]
) -> list[str | None]:
    names: list[str | None] = []
    for cell in cells:
        text = str(cell).strip() if _filled(cell) else ""
        name = (BY_HXL.get(normalise_hxl(text)) if hxl else text.lower()) if text else None
        if text and name not in (*NAMES, *READ_ONLY):
            reason = tr(
                "unknown column {text!r}; the first row must name the columns: "
                "{NAMES} (or their HXL hashtags)",
                text=text,
                NAMES=", ".join(NAMES),
            )
            raise FileRefused(filename, reason, "unknown_column")
        if name is not None and name in names:
            raise FileRefused(
                filename,
                tr(
                    "the column {text!r} appears twice",
                    text=text,
                ),
                "duplicate_column",
            )
        names.append(name)
    missing = [n for n in required if n not in names]
    if missing:
        reason = tr(
            "no {missing} column; the file needs {required}",
            missing=", ".join(missing),
            required=", ".join(required),
        )
        raise FileRefused(filename, reason, "missing_column")
    return names


def _cells(
    filename: str, line: int, names: list[str | None], cells: Sequence[Any]
) -> dict[str, Cell]:
    row: dict[str, Cell] = {}
    for position, cell in enumerate(cells):
        if not _filled(cell):
            continue
        name = names[position] if position < len(names) else None
        where = tr("row {line}, column {column}", line=line, column=position + 1)
        if name is None:
            reason = tr(
                "{where} has a value but its column has no header",
                where=where,
            )
            raise FileRefused(filename, reason, "unnamed_column")
        value = _plain(cell)
        if isinstance(value, str) and value.lstrip().startswith("="):
            reason = tr(
                "{where} ({name}) holds a formula; formulas are not accepted, type values",
                where=where,
                name=name,
            )
            raise FileRefused(filename, reason, "formula_refused")
        if isinstance(value, str) and "\x00" in value:
            reason = tr(
                "{where} ({name}) holds a NUL character; save the file again from Excel",
                where=where,
                name=name,
            )
            raise FileRefused(filename, reason, "nul_character")
        if isinstance(value, str) and len(value) > MAX_CELL:
            reason = tr(
                "{where} ({name}) is longer than {MAX_CELL:,} characters",
                where=where,
                name=name,
                MAX_CELL=MAX_CELL,
            )
            raise FileRefused(filename, reason, "cell_too_long")
        row[name] = value
    return row


def _plain(cell: Any) -> Cell:
    """Dates become ISO text (a date is not a period: validation says so); an array formula
    object becomes its text, so it is refused as a formula."""
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    if isinstance(cell, str | int | float | bool):
        return cell
    return "=" + str(getattr(cell, "text", cell)).lstrip("=")
