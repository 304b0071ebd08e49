"""The export's rows, made with lookups worked out once per version of the reference data, are
the rows the import's columns describe (`columns.reading_to_row` of the reading as the API
answers it, then the read-only columns), as values (XLSX) and as CSV cells."""

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlmodel import Session, select

from ehp_api.core.db import UTCDateTime, utc_isoformat
from ehp_api.exports import csv_writer, readings
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.locations.models import Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period
from ehp_api.readings import render as readings_render
from ehp_api.readings import service as readings_service
from ehp_api.readings.columns import NAMES, READ_ONLY_COLUMNS, reading_to_row
from ehp_api.readings.models import ReadingStatus


def expected(reading: tuple[Any, ...], session: Session) -> list[Any]:
    """What the export wrote before it worked its lookups out once: the definition."""
    (id_, indicator_id, period_id, organisation_id, location_id, breakdown, numerator) = reading[:7]
    (denominator, status, validated_numerator, validated_denominator) = reading[7:11]
    codes = readings_service.names(session)
    code, measure = codes.indicators[indicator_id]
    value = None
    if measure != MeasureType.percentage:
        value = bool(numerator) if measure == MeasureType.boolean else numerator
    row = reading_to_row(
        {
            "indicator": code,
            "period": codes.periods[period_id],
            "organisation": codes.organisations[organisation_id],
            "location": codes.locations.get(location_id),
            "disaggregation": json.loads(breakdown),
            "measure": measure,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "comment": reading[11],
            "external_ref": reading[12],
        }
    )
    read_only = {
        "status": status,
        "validated_value": readings_render.display_value(
            measure, validated_numerator, validated_denominator
        ),
        "id": id_,
        "created_at": reading[13],
        "updated_at": reading[14],
        "measure": measure,
        "indicator_text": session.get_one(Indicator, indicator_id).text_fr,
    }
    return [*(row[name] for name in NAMES), *(read_only[c.name] for c in READ_ONLY_COLUMNS)]


def some_readings(session: Session) -> list[tuple[Any, ...]]:
    """Rows as the export's query gives them, over every measure, kind of place, breakdown,
    text that a spreadsheet would run, missing validated value and timestamp precision."""
    indicators = [
        session.exec(select(Indicator.id).where(Indicator.measure == measure)).first()
        for measure in MeasureType
    ]
    places = [
        None,
        *session.exec(select(Location.id).where(Location.pcode.in_(["ML07", "ML0701"]))),
    ]
    period = session.exec(select(Period.id).where(Period.code == "2021Q2")).one()
    organisation = session.exec(select(Organisation.id).where(Organisation.code == "HCR")).one()
    breakdowns = ["{}", '{"zone": "other"}', '{"participant_type": "ngo", "setting": "field"}']
    texts = [(None, None), ("=HYPERLINK(1)", "-7"), ("Ansongo, 2 = deux", "@ref")]
    validated = [(None, None), (0, 0), (3, 8), (1, None)]
    stamps = [datetime(2021, 5, 3, 10, 0, tzinfo=UTC), datetime(2021, 5, 3, 10, 0, 0, 5, UTC)]
    rows = []
    for n, (indicator, place, breakdown, text, (part, whole), status) in enumerate(
        itertools.product(indicators, places, breakdowns, texts, validated, ReadingStatus)
    ):
        numerator, denominator = (n % 4, 8) if n % 2 else (n % 3, None)
        keys = (n + 1, indicator, period, organisation, place, breakdown)
        values = (numerator, denominator, status, part, whole, *text)
        rows.append((*keys, *values, stamps[n % 2], stamps[(n + 1) % 2]))
    return rows


def test_a_row_is_the_reading_in_the_imports_columns(session: Session) -> None:
    rows = some_readings(session)
    assert len(rows) == 3 * 3 * 3 * 3 * 4 * 3
    values = readings.row_of(readings.reference(session), readings.VALUES)
    cells = readings.row_of(readings.reference(session, readings.CSV), readings.CSV)
    for reading in rows:
        definition = expected(reading, session)
        assert typed(values(reading)) == typed(definition), reading
        # The CSV's query gives the timestamps as their text (test_stamps_are_isoformat).
        as_text = (*reading[:13], *(stamp.isoformat() for stamp in reading[13:]))
        assert typed(cells(as_text)) == typed([csv_writer.cell_of(v) for v in definition])


@pytest.mark.parametrize(
    "stamp",
    [
        datetime(2021, 5, 3, 10, 0, tzinfo=UTC),
        datetime(2021, 5, 3, 10, 0, 0, 5, UTC),
        datetime(2021, 12, 31, 23, 59, 59, 999999, UTC),
        # Given with another offset: stored, and written, in UTC.
        datetime(2022, 1, 1, 1, 30, 0, 120000, timezone(timedelta(hours=2))),
    ],
)
def test_stamps_are_isoformat(session: Session, stamp: datetime) -> None:
    """The CSV's timestamps come from the database as the text isoformat() gives of the value
    the API answers (`UTCDateTime`), with or without microseconds, on SQLite and PostgreSQL."""
    table = Table(
        "stamped", MetaData(), Column("id", Integer, primary_key=True), prefixes=["TEMPORARY"]
    )
    table.append_column(Column("at", UTCDateTime))
    connection = session.connection()
    table.create(connection)
    connection.execute(table.insert(), [{"at": stamp}])
    stored, text = connection.execute(select(table.c.at, utc_isoformat(table.c.at))).one()
    assert stored == stamp
    assert text == stored.isoformat() == stamp.astimezone(UTC).isoformat()
    assert text.endswith("+00:00")


def typed(row: list[Any]) -> list[tuple[type, Any]]:
    """`True == 1`: a yes/no must stay a yes/no, not become a number."""
    return [(type(v), v) for v in row]
