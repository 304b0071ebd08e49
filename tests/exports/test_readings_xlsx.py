"""GET /exports/readings.xlsx: a workbook that opens in openpyxl, laid out for people."""

import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from ehp_api.exports import xlsx_writer
from ehp_api.exports.readings import EXPORT_COLUMNS
from ehp_api.readings.files.parse import parse_upload

URL = "/api/v1/exports/readings.xlsx"


def workbook(client: TestClient, **params: str) -> openpyxl.Workbook:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == xlsx_writer.MEDIA_TYPE
    assert response.headers["content-disposition"].endswith('.xlsx"')
    return openpyxl.load_workbook(io.BytesIO(response.content))


class TestWorkbook:
    def test_sheets_frozen_header_widths_and_values(
        self, ocha: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
        plant("HCR", indicator="1.2.6.1", period="2021", value=True)
        book = workbook(ocha)
        assert book.sheetnames == ["readings", "columns"]
        sheet = book["readings"]
        assert sheet.freeze_panes == "A3"
        assert sheet.column_dimensions["N"].width == 40  # comment
        header, hxl_row, *rows = sheet.iter_rows(values_only=True)
        assert list(header) == [c.name for c in EXPORT_COLUMNS]
        assert list(hxl_row) == [c.hxl for c in EXPORT_COLUMNS]
        by_indicator = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
        count, yes = by_indicator["1.1.1.1"], by_indicator["1.2.6.1"]
        assert (count["adm1"], count["adm2"], count["value"], count["status"]) == (
            "ML07",
            "ML0701",
            4,
            "validated",
        )
        assert yes["value"] is True
        assert count["created_at"].tzinfo is None  # Excel has no time zones; UTC as documented
        guide = list(book["columns"].iter_rows(values_only=True))
        assert guide[1] == (
            "indicator", "#indicator+code", EXPORT_COLUMNS[0].description, "indicator"
        )  # fmt: skip

    def test_in_french_the_header_is_french_the_hxl_row_stays_and_it_imports_back(
        self, ocha: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
        response = ocha.get("/api/v1/exports/readings.xlsx", params={"lang": "fr"})
        assert response.headers["Content-Language"] == "fr"
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["relevés", "colonnes"]
        header, hxl_row, _row = book["relevés"].iter_rows(values_only=True)
        assert header[:3] == ("indicateur", "période", "organisation")
        assert header[10:13] == ("valeur", "numérateur", "dénominateur")
        assert header[-7:-5] == ("statut", "valeur validée")
        assert list(hxl_row) == [c.hxl for c in EXPORT_COLUMNS]
        guide = list(book["colonnes"].iter_rows(values_only=True))
        assert guide[0] == ("colonne", "hxl", "signification", "nom")
        assert guide[11] == ("valeur", "#indicator+num", guide[11][2], "value")
        assert guide[11][2].startswith("Un nombre")
        [reading] = parse_upload("export.xlsx", None, response.content).rows
        assert reading == {
            "indicator": "1.1.1.1", "period": "2021Q2", "organisation": "HCR",
            "location": "ML0701", "value": 4, "disaggregation": {"zone": "liptako_gourma"},
        }  # fmt: skip

    def test_visibility_is_the_lists(
        self, client_as: Callable[..., TestClient], plant: Callable[..., dict]
    ) -> None:
        plant("UNICEF", validate=False, indicator="1.1.1.1", period="2021Q2", value=4)
        plant("UNICEF", indicator="1.1.1.2", period="2021Q2", value=5)
        rows = list(workbook(client_as(Role.partner, "HCR"))["readings"].iter_rows(min_row=3))
        assert [row[0].value for row in rows] == ["1.1.1.2"]

    def test_formulas_are_quoted_and_control_characters_dropped(
        self, ocha: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", value=1, comment='=HYPERLINK("x")')
        plant("HCR", indicator="1.1.1.2", period="2021Q2", value=1, comment="bell\x07 rings")
        sheet = workbook(ocha)["readings"]
        comments = {row[0].value: row[13] for row in sheet.iter_rows(min_row=3)}
        assert comments["1.1.1.1"].value == '\'=HYPERLINK("x")'
        assert comments["1.1.1.1"].data_type == "s"  # text, not a formula
        assert comments["1.1.1.2"].value == "bell rings"

    def test_more_readings_than_a_sheet_holds_is_a_422(
        self, ocha: TestClient, plant: Callable[..., dict], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", value=1)
        monkeypatch.setattr(xlsx_writer, "MAX_ROWS", 2)  # room for the header rows only
        response = ocha.get(URL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "too_many_rows"
        assert ocha.get(URL, params={"indicator": "1.1.1.2"}).status_code == 200  # none of it


class TestRoundTrip:
    def test_an_xlsx_export_imports_back_unchanged(
        self, client_as: Callable[..., TestClient], plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
        plant("HCR", indicator="1.1.5.1", period="2021Q1", numerator=3, denominator=8)
        plant("HCR", validate=False, indicator="1.2.6.1", period="2021", value=True)
        hcr = client_as(Role.partner, "HCR")
        data = hcr.get(URL).content
        files = {"file": ("export.xlsx", data, xlsx_writer.MEDIA_TYPE)}
        response = hcr.post("/api/v1/readings/import", files=files, params={"dry_run": "true"})
        assert response.status_code == 200, response.text
        assert (response.json()["total"], response.json()["unchanged"]) == (3, 3)
