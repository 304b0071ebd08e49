"""The exports read and render in chunks, never the whole result at once."""

from collections.abc import Callable

import pytest
from sqlmodel import Session

from ehp_api.exports import csv_writer, readings
from ehp_api.principal import system_principal
from ehp_api.readings.service import Filters


@pytest.fixture
def five(plant: Callable[..., dict]) -> None:
    for quarter in range(1, 4):
        plant("HCR", indicator="1.1.1.1", period=f"2021Q{quarter}", value=quarter)
    for quarter in range(1, 3):
        plant("UNICEF", indicator="1.1.1.1", period=f"2021Q{quarter}", value=quarter)


def test_readings_are_read_chunk_by_chunk(
    session: Session, five: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readings, "CHUNK", 2)
    parts = list(readings.chunks(session, system_principal(), Filters()))
    assert [len(part) for part in parts] == [2, 2, 1]


def test_the_csv_is_sent_as_each_chunk_is_rendered(
    session: Session, five: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readings, "CHUNK", 2)
    parts = readings.chunks(session, system_principal(), Filters())
    pieces = list(csv_writer.stream(readings.EXPORT_COLUMNS, parts))
    assert [piece.count(b"\r\n") for piece in pieces] == [2, 2, 2, 1]  # header + HXL, then rows
