"""Reading CSV and XLSX files into readings, and the template a partner fills in."""

import io
import zipfile
from collections.abc import Sequence
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ehp_api.core.errors import InvalidInput
from ehp_api.indicators.models import Indicator
from ehp_api.readings.columns import COLUMNS, NAMES, reading_to_row, row_to_reading
from ehp_api.readings.files import parse as files
from ehp_api.readings.files.parse import parse_upload
from ehp_api.readings.files.template import build_template, safe
from tests.helpers import all_items

HEADER = "indicator,period,adm2,zone,value,comment"
HXL = "#indicator+code,#date+period,#adm2+code,#indicator+zone,#indicator+num,#description"


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[Any]], title: str = "Sheet") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def manual_codes(client: TestClient, session: Session, period: str) -> list[str]:
    """Independently of the template: the work plan API's planned indicators, in plan order,
    less those computed by the service."""
    planned = {i["code"] for i in all_items(client, "/api/v1/indicators", planned_in=period)}
    return sorted(planned - computed_codes(session), key=lambda c: [int(p) for p in c.split(".")])


def computed_codes(session: Session) -> set[str]:
    stmt = select(Indicator.code).where(Indicator.computed_from.is_not(None))  # type: ignore[union-attr]
    return set(session.exec(stmt).all())


def refusal(
    filename: str, data: bytes, bounds: files.ImportBounds | None = None
) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_upload(filename, None, data, bounds=bounds or files.ImportBounds())
    [param] = caught.value.errors or []
    assert param.field == "file"
    assert filename in caught.value.detail
    return param.code, param.reason


class TestRowToReading:
    def test_columns_map_to_a_reading(self) -> None:
        cells = {"indicator": " 1.1.1.1 ", "period": 2021.0, "adm1": "ML07", "adm2": "ML0701"}
        cells |= {"zone": "liptako_gourma", "setting": "", "value": "4", "comment": None}
        assert row_to_reading(cells) == {
            "indicator": "1.1.1.1", "period": "2021", "location": "ML0701",
            "disaggregation": {"zone": "liptako_gourma"}, "value": 4,
        }  # fmt: skip

    @pytest.mark.parametrize(
        ("cell", "value"),
        [("Oui", True), ("non", False), ("TRUE", True), ("n", False), ("1", 1), ("0", 0),
         (True, True), (4.0, 4), (4.5, 4.5), ("4.5", 4.5), ("1,000", "1,000"), ("-3", -3),
         ("nan", "nan"), ("1e3", 1000)],
    )  # fmt: skip
    def test_value_cells(self, cell: Any, value: Any) -> None:
        assert row_to_reading({"value": cell})["value"] == value
        assert type(row_to_reading({"value": cell})["value"]) is type(value)

    def test_words_are_not_numbers_in_numerator(self) -> None:
        assert row_to_reading({"numerator": "oui", "denominator": "8"}) == {
            "numerator": "oui",
            "denominator": 8,
        }

    def test_an_exported_percentage_round_trips(self) -> None:
        public = {"indicator": "1.1.5.1", "period": "2021Q2", "measure": "percentage"}
        public |= {"location": "ML0701", "value": 37.5, "numerator": 3, "denominator": 8}
        row = reading_to_row(public)
        assert (row["adm1"], row["adm2"], row["value"]) == ("ML07", "ML0701", None)
        assert row_to_reading(row) == {
            "indicator": "1.1.5.1", "period": "2021Q2", "location": "ML0701",
            "numerator": 3, "denominator": 8,
        }  # fmt: skip

    def test_columns_are_in_the_documented_order(self) -> None:
        assert NAMES[:3] == ("indicator", "period", "organisation")
        assert NAMES[-2:] == ("comment", "external_ref")
        assert len({c.hxl for c in COLUMNS}) == len(COLUMNS)


class TestCsv:
    def test_bom_and_hxl_row(self) -> None:
        data = csv_bytes(HEADER, HXL, "1.1.1.1,2021Q2,ML0701,,4,Ménaka", bom=True)
        parsed = parse_upload("hcr.csv", "text/csv", data)
        assert parsed.rows == [
            {"indicator": "1.1.1.1", "period": "2021Q2", "location": "ML0701", "value": 4,
             "comment": "Ménaka"},
        ]  # fmt: skip
        assert parsed.lines == [3]

    def test_semicolon_delimiter_from_french_excel(self) -> None:
        data = csv_bytes(HEADER.replace(",", ";"), "1.1.1.1;2021Q2;ML0701;;4;a, b")
        assert parse_upload("hcr.csv", None, data).rows[0]["comment"] == "a, b"

    def test_hashtags_alone_name_the_columns(self) -> None:
        data = csv_bytes("#Indicator +code,#date+period,#indicator+num", "1.2.6.1,2021,oui")
        rows = parse_upload("hcr.csv", None, data).rows
        assert rows == [{"indicator": "1.2.6.1", "period": "2021", "value": True}]
        tags = "#indicator+code,#date+period,#indicator+numerator,#indicator+denominator"
        rows = parse_upload("p.csv", None, csv_bytes(tags, "1.3.1.2,2021Q2,2,8")).rows
        assert rows == [
            {"indicator": "1.3.1.2", "period": "2021Q2", "numerator": 2, "denominator": 8}
        ]

    def test_files_with_the_old_hashtags_still_read_as_they_meant(self) -> None:
        """Before `value` took `#indicator+num`, that tag was the numerator's: a header with the
        old value or denominator tag reads it so."""
        old = "#indicator+code,#date+period,#indicator+value,#indicator+num,#indicator+denom"
        rows = parse_upload(
            "old.csv", None, csv_bytes(old, "1.3.1.2,2021Q2,,2,8", "1.1.1.1,2021,4,,")
        ).rows
        assert rows == [
            {"indicator": "1.3.1.2", "period": "2021Q2", "numerator": 2, "denominator": 8},
            {"indicator": "1.1.1.1", "period": "2021", "value": 4},
        ]

    def test_french_headers_read_with_or_without_accents(self) -> None:
        header = (
            "Indicateur,periode,Organisation,Cercle (P-code adm2),VALEUR,numérateur,Dénominateur"
        )
        data = csv_bytes(header, "1.1.1.1,2021Q2,HCR,ML0701,4,,")
        assert parse_upload("fr.csv", None, data).rows == [
            {"indicator": "1.1.1.1", "period": "2021Q2", "organisation": "HCR",
             "location": "ML0701", "value": 4},
        ]  # fmt: skip

    def test_blank_and_unfilled_template_rows_are_skipped(self) -> None:
        data = csv_bytes(
            "indicator,period,organisation,participant_type,value",
            "1.1.1.1,2021Q2,HCR,,",
            ",,,,",
            "1.1.1.2,2021Q2,HCR,,0",
            "1.3.2.1,2021Q2,HCR,ngo,",  # a breakdown row of the template, left empty
            "1.3.2.1,2021Q2,HCR,ngo,3",
        )
        parsed = parse_upload("t.csv", None, data)
        assert ([r["indicator"] for r in parsed.rows], parsed.lines) == (
            ["1.1.1.2", "1.3.2.1"],
            [4, 6],
        )
        assert parsed.rows[1]["disaggregation"] == {"participant_type": "ngo"}

    def test_read_only_export_columns_are_ignored(self) -> None:
        data = csv_bytes("indicator,period,value,status,id", "1.1.1.1,2021Q2,4,validated,17")
        assert parse_upload("e.csv", None, data).rows == [
            {"indicator": "1.1.1.1", "period": "2021Q2", "value": 4}
        ]

    def test_another_encoding_is_refused_with_the_fix(self) -> None:
        code, reason = refusal("hcr.csv", (HEADER + "\n1.1.1.1,2021Q2,,,4,Ségou").encode("cp1252"))
        assert code == "not_utf8"
        assert "CSV UTF-8" in reason

    @pytest.mark.parametrize(
        ("data", "code"),
        [(b"", "file_empty"), (b" \r\n", "file_empty"), (b"\r\n,,\r\n", "file_empty"),
         (b"indicator,period,value", "no_readings"),
         (b"indicator,period,colour\n1,2,3", "unknown_column"),
         (b"indicator,period,period", "duplicate_column"),
         (b"indicator,value\n1.1.1.1,3", "missing_column"),
         (b"1.1.1.1,2021Q2,4", "unknown_column"),
         (b"indicator,period\n1.1.1.1,2021Q2,4", "unnamed_column"),
         (b"indicator,period,value\n1.1.1.1,2021Q2,=1+3", "formula_refused")],
    )  # fmt: skip
    def test_refusals(self, data: bytes, code: str) -> None:
        assert refusal("hcr.csv", data)[0] == code

    def test_too_many_rows_and_too_long_cells(self) -> None:
        rows = [f"1.1.1.1,2021Q2,{n}" for n in range(10_001)]
        assert refusal("big.csv", csv_bytes("indicator,period,value", *rows))[0] == "too_many_rows"
        long = csv_bytes("indicator,period,comment", "1.1.1.1,2021Q2," + "x" * 2001)
        assert refusal("long.csv", long)[0] == "cell_too_long"

    def test_other_file_types_are_refused(self) -> None:
        assert refusal("old.xls", b"\xd0\xcf\x11\xe0rest")[0] == "unsupported_file_type"
        assert refusal("notes.pdf", b"%PDF-1.4")[0] == "unsupported_file_type"
        assert refusal("broken.xlsx", b"PK\x03\x04garbage")[0] == "invalid_xlsx"

    def test_a_cell_over_the_csv_modules_own_limit_is_refused_naming_the_cell(self) -> None:
        data = csv_bytes("indicator,period,value,comment", "1.1.1.1,2021Q2,1," + "x" * 200_000)
        code, reason = refusal("huge.csv", data)
        assert code == "cell_too_long"
        assert "row 2, column 4 (comment)" in reason

    def test_a_nul_character_in_a_cell_is_refused_naming_the_cell(self) -> None:
        data = csv_bytes("indicator,period,value,comment", "1.1.1.1,2021Q2,1,a\x00b")
        code, reason = refusal("nul.csv", data)
        assert code == "nul_character"
        assert "row 2, column 4 (comment)" in reason


class TestXlsx:
    def test_numeric_cells_become_ints_and_codes_text(self) -> None:
        data = xlsx_bytes(
            [["indicator", "period", "adm1", "value", "numerator", "denominator"],
             ["1.1.1.1", 2021, "ML07", 4.0, None, None],
             ["1.1.5.1", "2021Q2", None, None, 3, 8.0],
             ["1.2.6.1", "2021", None, True, None, None],
             ["1.1.1.2", "2021", None, 2.5, None, None]]
        )  # fmt: skip
        rows = parse_upload("hcr.xlsx", None, data).rows
        assert rows[0] == {"indicator": "1.1.1.1", "period": "2021", "location": "ML07", "value": 4}
        assert (rows[1]["numerator"], rows[1]["denominator"], rows[2]["value"]) == (3, 8, True)
        assert rows[3]["value"] == 2.5  # refused by validation, with its message

    def test_the_readings_sheet_is_preferred(self) -> None:
        book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([["notes"]], title="notes")))
        book.create_sheet("readings").append(["indicator", "period", "value"])
        book["readings"].append(["1.1.1.1", "2021Q2", 1])
        buffer = io.BytesIO()
        book.save(buffer)
        assert parse_upload("f.xlsx", None, buffer.getvalue()).rows[0]["value"] == 1

    def test_formulas_are_refused_not_evaluated(self) -> None:
        data = xlsx_bytes([["indicator", "period", "value"], ["1.1.1.1", "2021Q2", "=2+2"]])
        code, reason = refusal("hcr.xlsx", data)
        assert code == "formula_refused"
        assert "row 2, column 3 (value)" in reason

    def test_a_damaged_sheet_is_refused_not_a_crash(self) -> None:
        """Read-only openpyxl parses a sheet only as it is iterated: damage surfaces there."""
        data = xlsx_bytes([["indicator", "period", "value"], ["1.1.1.1", "2021Q2", 1]])
        original, damaged = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(damaged, "w") as archive:
            for member in original.infolist():
                content = original.read(member.filename)
                if member.filename.endswith("sheet1.xml"):
                    content = content[: len(content) // 2]
                archive.writestr(member, content)
        code, reason = refusal("damaged.xlsx", damaged.getvalue())
        assert code == "invalid_xlsx"
        assert "the sheet cannot be read" in reason

    def test_a_workbook_that_unpacks_too_large_is_refused(self) -> None:
        data = xlsx_bytes([["indicator", "period", "value"], ["1.1.1.1", "2021Q2", 1]])
        code, reason = refusal("bomb.xlsx", data, files.ImportBounds(unpacked_bytes=1000))
        assert code == "too_large"
        assert "EHP_IMPORT_MAX_UNPACKED_BYTES" in reason

    def test_a_workbook_of_too_much_text_is_refused(self) -> None:
        # Excel keeps a sheet's text apart, in one table that openpyxl holds in memory whole.
        book = io.BytesIO(xlsx_bytes([["indicator", "period", "value"]]))
        with zipfile.ZipFile(book, "a") as archive:
            strings = "".join(f"<si><t>comment {i}</t></si>" for i in range(5000))
            archive.writestr(files.SHARED_STRINGS, f"<sst>{strings}</sst>")
        data = book.getvalue()
        bounds = files.ImportBounds(shared_strings_bytes=2**16)
        code, reason = refusal("words.xlsx", data, bounds)
        assert code == "too_large"
        assert "EHP_IMPORT_MAX_SHARED_STRINGS_BYTES" in reason

    def test_a_sheet_of_more_rows_than_the_bound_is_refused_even_if_they_are_blank(
        self,
    ) -> None:
        # Blank rows are skipped, never stored, but reading them costs as much as any other.
        rows: list[list[Any]] = [["indicator", "period", "value"], ["1.1.1.1", "2021Q2", 1]]
        rows += [[" "] for _ in range(files.ImportBounds().sheet_rows)]
        # The row bound, not the time bound: on a loaded machine (or under mutmut's trampolines)
        # reading 20,000 rows can pass the default 20 s, which answered `too_slow` instead.
        bounds = files.ImportBounds(seconds=3600.0)
        code, reason = refusal("long.xlsx", xlsx_bytes(rows), bounds)
        assert code == "too_many_rows"
        assert "EHP_IMPORT_MAX_SHEET_ROWS" in reason

    def test_a_sheet_read_past_its_time_is_refused(self) -> None:
        rows = [["indicator", "period", "value"], *[["1.1.1.1", "2021Q2", i] for i in range(50)]]
        code, reason = refusal("slow.xlsx", xlsx_bytes(rows), files.ImportBounds(seconds=1e-9))
        assert code == "too_slow"
        assert "EHP_IMPORT_MAX_SECONDS" in reason


class TestTemplate:
    def test_it_lists_the_planned_manual_indicators(
        self, session: Session, hcr: TestClient
    ) -> None:
        expected = manual_codes(hcr, session, "2021Q2")
        book = openpyxl.load_workbook(io.BytesIO(build_template(session, "HCR", "2021Q2", "xlsx")))
        rows = list(book["readings"].iter_rows(values_only=True))
        assert rows[0] == NAMES
        assert rows[1] == tuple(c.hxl for c in COLUMNS)
        assert list(dict.fromkeys(r[0] for r in rows[2:])) == expected  # each, in plan order
        assert {r[1:3] for r in rows[2:]} == {("2021Q2", "HCR")}
        planned = {i["code"] for i in all_items(hcr, "/api/v1/indicators", planned_in="2021Q2")}
        assert computed_codes(session) & planned  # planned, computed, so not in the template
        guide = list(book["indicators"].iter_rows(values_only=True))
        assert [g[0] for g in guide[1:]] == expected
        assert book["readings"].freeze_panes == "A3"

    def test_a_year_lists_what_any_of_its_quarters_plans(
        self, session: Session, hcr: TestClient
    ) -> None:
        lines = build_template(session, "UNICEF", "2020", "csv").decode("utf-8-sig").splitlines()
        expected = manual_codes(hcr, session, "2020")
        assert len(expected) > len(manual_codes(hcr, session, "2020Q3"))
        rows = [line.split(",") for line in lines[2:]]
        assert list(dict.fromkeys(row[0] for row in rows)) == expected
        assert {tuple(row[1:3]) for row in rows} == {("2020", "UNICEF")}

    def test_formula_like_text_is_neutralised(self, session: Session) -> None:
        indicator = session.exec(select(Indicator).where(Indicator.code == "1.1.1.2")).one()
        indicator.text_fr = "- nombre d'interventions"
        session.flush()
        book = openpyxl.load_workbook(io.BytesIO(build_template(session, "HCR", "2021Q2", "xlsx")))
        texts = {row[0]: row[2] for row in book["indicators"].iter_rows(values_only=True)}
        assert texts["1.1.1.2"] == "'- nombre d'interventions"
        assert [safe(c) for c in ("=1+2", "@SUM(A1)", "+33", "ok", -3)] == [
            "'=1+2", "'@SUM(A1)", "'+33", "ok", -3,
        ]  # fmt: skip

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_a_filled_template_imports(self, session: Session, hcr: TestClient, fmt: str) -> None:
        data = build_template(session, "HCR", "2021Q2", fmt)
        filled = _fill_value(data, fmt, "1.1.1.1", 5)
        response = hcr.post("/api/v1/readings/import", files={"file": (f"hcr.{fmt}", filled)})
        assert response.status_code == 200, response.text
        assert (response.json()["total"], response.json()["created"]) == (1, 1)


def _fill_value(data: bytes, fmt: str, code: str, value: int) -> bytes:
    """What a partner does: type a value in the row of one indicator, and save."""
    column = NAMES.index("value") + 1
    if fmt == "csv":
        lines = data.decode("utf-8-sig").splitlines()
        cells = [line.split(",") for line in lines]
        for row in cells:
            if row[0] == code:
                row[column - 1] = str(value)
        return "\r\n".join(",".join(row) for row in cells).encode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(data))
    for row in book["readings"].iter_rows(min_row=3):
        if row[0].value == code:
            row[column - 1].value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_broken_multipart_body_is_a_documented_400_problem(hcr: TestClient) -> None:
    # Found by the long schema fuzzing run: the multipart parser's 400 was not documented.
    boundary = "7c5156fb04a2177cf9e322ad31ebde44"
    response = hcr.post(
        "/api/v1/readings/import",
        content=f"--{boundary}\r\nNone--{boundary}--\r\n".encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    documented = hcr.get("/openapi.json").json()["paths"]["/api/v1/readings/import"]["post"]
    assert "400" in documented["responses"]
