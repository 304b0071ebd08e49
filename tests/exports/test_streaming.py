"""The exports read and render in chunks, never the whole result at once, and let go of
their database connection as soon as the download ends."""

from collections.abc import Callable, Generator
from typing import Any

import anyio
import pytest
from sqlmodel import Session
from starlette.requests import ClientDisconnect

from ehp_api.core.principal import system_principal
from ehp_api.exports import csv_writer, readings
from ehp_api.exports.router import Download
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


def test_a_download_closes_its_body_when_the_client_goes_away() -> None:
    """Else the export's session would hold its connection until a garbage collection."""
    closed: list[bool] = []

    def body() -> Generator[bytes, None, None]:
        try:
            yield b"indicator\r\n"
            yield b"1.1.1.1\r\n"
        finally:
            closed.append(True)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client went away")

    response = Download(body(), csv_writer.MEDIA_TYPE, "readings", "csv")
    scope = {"type": "http", "asgi": {"spec_version": "2.4"}}
    with pytest.raises(ClientDisconnect) as gone:
        anyio.run(response, scope, receive, send)
    assert gone.value is not None  # the traceback keeps the generator alive: no GC rescue here
    assert closed == [True]
