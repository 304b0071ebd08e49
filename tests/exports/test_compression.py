"""A streamed export is gzipped chunk by chunk for clients that accept it, and arrives whole;
XLSX files (zip archives already) are sent as they are."""

import gzip
import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from ehp_api.exports import readings


@pytest.fixture
def six(plant: Callable[..., dict], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readings, "CHUNK", 2)  # three chunks, so that the answer streams
    for org in ("HCR", "UNICEF"):
        for quarter in range(1, 4):
            plant(org, indicator="1.1.1.1", period=f"2021Q{quarter}", value=quarter)


def test_a_streamed_csv_export_is_gzipped_and_arrives_whole(six: None, ocha: TestClient) -> None:
    url = "/api/v1/exports/readings.csv"
    with ocha.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        chunks = list(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers  # streamed: its length is not known ahead
    assert len([chunk for chunk in chunks if chunk]) > 1
    plain = ocha.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(b"".join(chunks)) == plain.content
    assert plain.content.count(b"\r\n") == 2 + 6  # header, HXL, the readings


def test_a_streamed_xlsx_export_is_not_gzipped(six: None, ocha: TestClient) -> None:
    url = "/api/v1/exports/readings.xlsx"
    with ocha.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        sent = b"".join(response.iter_raw())
    assert "content-encoding" not in response.headers
    sheet = openpyxl.load_workbook(io.BytesIO(sent))["readings"]
    assert sheet.max_row == 2 + 6  # header, HXL, the readings
