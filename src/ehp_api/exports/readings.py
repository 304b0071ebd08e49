"""The readings an export holds: the list's query, read in chunks, one file row per reading.

Codes come from small in-memory maps of the reference tables (never a query per row), and the
rows follow the import's columns (`columns.reading_to_row`), so that an export imports back.
"""

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.core.db import SessionFactory, select_row
from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.exports import csv_writer, xlsx_writer
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.readings import render as readings_render
from ehp_api.readings import service as readings_service
from ehp_api.readings.columns import COLUMNS, NAMES, READ_ONLY_COLUMNS, reading_to_row
from ehp_api.readings.models import Reading
from ehp_api.readings.service import Filters

EXPORT_COLUMNS = (*COLUMNS, *READ_ONLY_COLUMNS)
_READ_ONLY = tuple(c.name for c in READ_ONLY_COLUMNS)
CHUNK = 2000
_WIDTHS = {"indicator": 10, "comment": 40, "external_ref": 18, "indicator_text": 60}
_WIDTHS |= {"created_at": 19, "updated_at": 19}
_FIELDS = (
    Reading.id,
    Reading.indicator_id,
    Reading.period_id,
    Reading.organisation_id,
    Reading.location_id,
    Reading.disaggregation,
    Reading.numerator,
    Reading.denominator,
    Reading.status,
    Reading.validated_numerator,
    Reading.validated_denominator,
    Reading.comment,
    Reading.external_ref,
    Reading.created_at,
    Reading.updated_at,
)


@dataclass(frozen=True)
class Reference:
    codes: readings_render.Names
    texts: dict[int, str]


def reference(session: Session) -> Reference:
    texts = dict(session.exec(select(Indicator.id, Indicator.text_fr)).all())
    return Reference(readings_service.names(session), texts)


def _statement(session: Session, principal: Principal, filters: Filters) -> Any:
    return readings_service.visible(session, select_row(*_FIELDS), principal, filters)


def count(session: Session, principal: Principal, filters: Filters) -> int:
    stmt = select(func.count()).select_from(Reading)
    stmt = readings_service.visible(session, stmt, principal, filters)
    return session.exec(stmt).one()


def chunks(session: Session, principal: Principal, filters: Filters) -> Iterator[list[list[Any]]]:
    """The export's rows, `CHUNK` at a time: a server-side cursor on PostgreSQL, so that memory
    stays flat whatever the number of readings."""
    ref = reference(session)
    stmt = _statement(session, principal, filters).order_by(Reading.id)
    stmt = stmt.execution_options(yield_per=CHUNK)
    # Core rows, not ORM ones: a third cheaper per row, and nothing here needs an entity. The
    # option goes on the statement: on the connection it would stay for the session's next ones.
    for part in session.connection().execute(stmt).partitions():
        yield [_row(reading, ref) for reading in part]


def csv_body(
    sessions: SessionFactory, principal: Principal, filters: Filters
) -> Generator[bytes, None, None]:
    """The CSV, produced as it is sent, with a session of its own."""
    with sessions() as session:
        yield from csv_writer.stream(EXPORT_COLUMNS, chunks(session, principal, filters))


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
        sheet = xlsx_writer.Sheet(
            title="readings",
            header=[[c.name for c in EXPORT_COLUMNS], [c.hxl for c in EXPORT_COLUMNS]],
            widths=[_WIDTHS.get(c.name, 12) for c in EXPORT_COLUMNS],
            rows=rows,
        )
        guide = xlsx_writer.Sheet(
            title="columns",
            header=[[tr("column"), "hxl", tr("meaning")]],
            widths=[16, 22, 80],
            rows=[[c.name, c.hxl, tr(c.description)] for c in EXPORT_COLUMNS],
        )
        file = xlsx_writer.built(lambda target: xlsx_writer.write([sheet, guide], target))
    yield from xlsx_writer.send(file)


def _row(reading: Any, ref: Reference) -> list[Any]:
    code, measure = ref.codes.indicators[reading.indicator_id]
    fraction = measure == MeasureType.percentage
    file_row = reading_to_row(
        {
            "indicator": code,
            "period": ref.codes.periods[reading.period_id],
            "organisation": ref.codes.organisations[reading.organisation_id],
            "location": ref.codes.locations.get(reading.location_id),
            "disaggregation": reading.disaggregation,
            "measure": measure,
            "value": None if fraction else _value(measure, reading.numerator),
            "numerator": reading.numerator,
            "denominator": reading.denominator,
            "comment": reading.comment,
            "external_ref": reading.external_ref,
        }
    )
    read_only = {
        "status": reading.status,
        "validated_value": readings_render.display_value(
            measure, reading.validated_numerator, reading.validated_denominator
        ),
        "id": reading.id,
        "created_at": reading.created_at,
        "updated_at": reading.updated_at,
        "measure": measure,
        "indicator_text": ref.texts[reading.indicator_id],
    }
    return [*(file_row[name] for name in NAMES), *(read_only[name] for name in _READ_ONLY)]


def _value(measure: MeasureType, numerator: int) -> int | bool:
    return bool(numerator) if measure == MeasureType.boolean else numerator
