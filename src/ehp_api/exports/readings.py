"""The readings an export holds: the list's query, read in chunks, one file row per reading.

Codes come from small in-memory maps of the reference tables (never a query per row), and the
rows follow the import's columns (`columns.reading_to_row`), so that an export imports back.
What a row takes from the reference tables (codes, the region and cercle of a place, the
indicator's measure and text) is worked out once per version of those tables, already as the
file's cells; a row costs a few lookups and the cells of its own values.
"""

import json
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, text
from sqlmodel import Session, select

from ehp_api.core.db import SessionFactory, select_row, utc_isoformat
from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.exports import csv_writer, xlsx_writer
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.readings import render as readings_render
from ehp_api.readings import service as readings_service
from ehp_api.readings.columns import BREAKDOWNS, COLUMNS, READ_ONLY_COLUMNS, SHEET, safe
from ehp_api.readings.models import Reading, ReadingStatus
from ehp_api.readings.service import Filters
from ehp_api.web import reference as reference_data

EXPORT_COLUMNS = (*COLUMNS, *READ_ONLY_COLUMNS)
CHUNK = 2000
_WIDTHS = {"indicator": 10, "comment": 40, "external_ref": 18, "indicator_text": 60}
_WIDTHS |= {"created_at": 19, "updated_at": 19}
_STAMPED = (Reading.created_at, Reading.updated_at)


def _fields(stamp: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The export's columns, the timestamps as `stamp` makes them."""
    return (
        Reading.id,
        Reading.indicator_id,
        Reading.period_id,
        Reading.organisation_id,
        Reading.location_id,
        # The breakdown as its JSON text: an export holds a handful of distinct ones, each
        # parsed once, where the driver parsed every row's (a tenth of the export's time).
        cast(Reading.disaggregation, String),
        Reading.numerator,
        Reading.denominator,
        # The status as its text, not made an enum member on every row to be looked up.
        cast(Reading.status, String),
        Reading.validated_numerator,
        Reading.validated_denominator,
        Reading.comment,
        Reading.external_ref,
        *(stamp(column) for column in _STAMPED),
    )


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Cells:
    """How a row's values become cells. The XLSX export takes the values (its writer makes the
    cells); the CSV one takes `csv_writer.cell_of` of each, made here in fewer calls."""

    name: str
    cell: Callable[[Any], Any]  # any value
    text: Callable[[str], Any]  # free text (a comment, an external reference)
    fields: tuple[Any, ...]  # what the query selects


VALUES = Cells("values", _same, _same, _fields(_same))
# For text, `csv_writer.cell_of` is `safe`; a timestamp's ISO 8601 form comes from the database.
CSV = Cells("csv", csv_writer.cell_of, safe, _fields(utc_isoformat))


@dataclass(frozen=True)
class Reference:
    """What the rows take from the reference tables, by id, already as cells."""

    indicators: dict[int, tuple[Any, MeasureType, Any, Any]]  # code, measure, its cell, text
    periods: dict[int, Any]
    organisations: dict[int, Any]
    places: dict[int, tuple[Any, Any]]  # adm1, adm2 (a region's reading has no adm2)


def reference(session: Session, cells: Cells = VALUES) -> Reference:
    """Kept while the reference data keep their version (`ehp_api.web.reference.memo`)."""
    return reference_data.memo(
        session, f"exports.readings.{cells.name}", lambda: _reference(session, cells)
    )


def _reference(session: Session, cells: Cells) -> Reference:
    codes = readings_service.names(session)
    texts = dict(session.exec(select(Indicator.id, Indicator.text_fr)).all())
    cell = cells.cell
    return Reference(
        indicators={
            i: (cell(code), measure, cell(measure), cell(texts[i]))
            for i, (code, measure) in codes.indicators.items()
        },
        periods={i: cell(code) for i, code in codes.periods.items()},
        organisations={i: cell(code) for i, code in codes.organisations.items()},
        # As `columns.reading_to_row` splits a P-code: ML07 is a region, ML0701 a cercle.
        places={
            i: (cell(pcode[:4] or None), cell(pcode if len(pcode) > 4 else None))
            for i, pcode in codes.locations.items()
        },
    )


def row_of(ref: Reference, cells: Cells) -> Callable[[Sequence[Any]], list[Any]]:
    """The file row of a row of `cells.fields`: `columns.reading_to_row` of the reading as the API
    answers it, then the read-only columns, in a few lookups (tests/exports/test_rows.py holds
    the two to the same rows)."""
    indicators, periods, organisations = ref.indicators, ref.periods, ref.organisations
    places, nowhere = ref.places, (cells.cell(None), cells.cell(None))
    cell, free_text = cells.cell, cells.text
    words = (cell(False), cell(True))
    statuses = {status: cell(status) for status in ReadingStatus}
    breakdowns: dict[str | None, tuple[Any, ...]] = {}
    display = readings_render.display_value
    percentage, boolean = MeasureType.percentage, MeasureType.boolean

    def breakdown(raw: str | None) -> tuple[Any, ...]:
        found = breakdowns.get(raw)
        if found is None:
            parsed = (json.loads(raw) if raw is not None else None) or {}
            found = breakdowns[raw] = tuple(cell(parsed.get(name)) for name in BREAKDOWNS)
        return found

    def row(reading: Sequence[Any]) -> list[Any]:
        (id_, indicator_id, period_id, organisation_id, location_id, disaggregation) = reading[:6]
        (numerator, denominator, status, validated_numerator, validated_denominator) = reading[6:11]
        comment, external_ref, created_at, updated_at = reading[11:]
        code, measure, measure_cell, indicator_text = indicators[indicator_id]
        if measure == percentage:
            value, part, whole = None, numerator, denominator
        else:
            value = words[bool(numerator)] if measure == boolean else numerator
            part = whole = None
        validated = display(measure, validated_numerator, validated_denominator)
        return [
            code,
            periods[period_id],
            organisations[organisation_id],
            *places.get(location_id, nowhere),
            *breakdown(disaggregation),
            value,
            part,
            whole,
            None if comment is None else free_text(comment),
            None if external_ref is None else free_text(external_ref),
            statuses[status],
            validated if validated is None or type(validated) is int else cell(validated),
            id_,
            created_at,
            updated_at,
            measure_cell,
            indicator_text,
        ]

    return row


def _statement(session: Session, principal: Principal, filters: Filters, cells: Cells) -> Any:
    return readings_service.visible(session, select_row(*cells.fields), principal, filters)


def count(session: Session, principal: Principal, filters: Filters) -> int:
    stmt = select(func.count()).select_from(Reading)
    stmt = readings_service.visible(session, stmt, principal, filters)
    return session.exec(stmt).one()


# PostgreSQL plans a cursor for its first tenth of rows (`cursor_tuple_fraction`): for a
# partner's quarter it walked every reading in id order rather than sort the ones it needed.
# An export reads all its rows: they are what the plan is for.
_EVERY_ROW = text("SET LOCAL cursor_tuple_fraction = 1")


def chunks(
    session: Session, principal: Principal, filters: Filters, cells: Cells = VALUES
) -> Iterator[list[list[Any]]]:
    """The export's rows, `CHUNK` at a time: a server-side cursor on PostgreSQL, so that memory
    stays flat whatever the number of readings."""
    row = row_of(reference(session, cells), cells)
    stmt = _statement(session, principal, filters, cells).order_by(Reading.id)
    stmt = stmt.execution_options(yield_per=CHUNK)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_EVERY_ROW)
    # Core rows, not ORM ones: a third cheaper per row, and nothing here needs an entity. The
    # option goes on the statement: on the connection it would stay for the session's next ones.
    for part in connection.execute(stmt).partitions():
        yield [row(reading) for reading in part]


def csv_body(
    sessions: SessionFactory, principal: Principal, filters: Filters
) -> Generator[bytes, None, None]:
    """The CSV, produced as it is sent, with a session of its own."""
    with sessions() as session:
        yield from csv_writer.stream_cells(EXPORT_COLUMNS, chunks(session, principal, filters, CSV))


def check_fits_a_sheet(session: Session, principal: Principal, filters: Filters) -> None:
    """Checked before answering, so that the refusal is a problem response, not a cut file."""
    found, room = count(session, principal, filters), xlsx_writer.MAX_ROWS - 2
    if found > room:
        reason = tr(
            "{found:,} readings match, a sheet holds {room:,}; narrow the filters or use CSV",
            found=found,
            room=room,
        )
        param = InvalidParam(location="query", field="filters", reason=reason, code="too_many_rows")
        raise InvalidInput(
            tr(
                "{reason}.",
                reason=reason,
            ),
            errors=[param],
        )


def xlsx_body(
    sessions: SessionFactory, principal: Principal, filters: Filters
) -> Generator[bytes, None, None]:
    """The workbook, written to a temporary file with a session of its own, then sent."""
    with sessions() as session:
        rows = (row for chunk in chunks(session, principal, filters) for row in chunk)
        # The header in the request's language for the reader, the HXL row for machines (and
        # the import, which reads either): the CSV keeps the names, it is for machines.
        sheet = xlsx_writer.Sheet(
            title=tr(SHEET),
            header=[[tr(c.label) for c in EXPORT_COLUMNS], [c.hxl for c in EXPORT_COLUMNS]],
            widths=[_WIDTHS.get(c.name, 12) for c in EXPORT_COLUMNS],
            rows=rows,
        )
        guide = xlsx_writer.Sheet(
            title=tr("columns"),
            header=[[tr("column"), "hxl", tr("meaning"), tr("name")]],
            widths=[16, 22, 80, 16],
            rows=[[tr(c.label), c.hxl, tr(c.description), c.name] for c in EXPORT_COLUMNS],
        )
        file = xlsx_writer.built(lambda target: xlsx_writer.write([sheet, guide], target))
    yield from xlsx_writer.send(file)
