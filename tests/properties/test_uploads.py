"""Readings files of every kind of damage: wrong encodings, BOMs, binary junk, damaged or odd
workbooks, wrong headers, formulas and huge cells. `parse_upload` gives readings or refuses the
file naming it and why (and the row and column when a cell is at fault); the import answers a
summary or a 4xx problem, and stores nothing when it refuses."""

import io
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from ehp_api.core.errors import InvalidInput
from ehp_api.readings.columns import NAMES
from ehp_api.readings.files import parse as files
from ehp_api.readings.models import Reading
from tests.properties.checks import assert_answer, http_settings

FILE_CODES = {
    "file_empty",
    "unsupported_file_type",
    "not_utf8",
    "invalid_csv",
    "invalid_xlsx",
    "too_large",
    "unknown_column",
    "duplicate_column",
    "missing_column",
    "unnamed_column",
    "formula_refused",
    "cell_too_long",
    "nul_character",
    "too_many_rows",
    "no_readings",
}
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be"]
FILENAMES = ["hcr.csv", "hcr.CSV", "hcr.txt", "hcr.xlsx", "hcr.xls", "hcr.ods", "hcr", "hcr.json"]
CONTENT_TYPES = [None, "text/csv", "text/plain", "application/octet-stream", files.XLSX_MEDIA_TYPE]
HXL_TAGS = ["#indicator+code", "#date+period", "#adm2+code", "#indicator+num", "#description"]

# Text a spreadsheet cell can hold (XML forbids most control characters).
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from(",;\"'\n"),
    max_size=40,
)
formulas = st.sampled_from(["=1+1", "=SUM(A1:A3)", ' =HYPERLINK("x")', "=cmd|' /C calc'!A0"])
header_names = st.sampled_from([*NAMES, *HXL_TAGS, "Indicator", "colour", "", "value", "id"])
cells = st.one_of(
    st.sampled_from(["1.1.1.1", "1.1.3.1", "2021Q2", "2021", "ML0701", "oui", "4", "-3", "1e300"]),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    cell_text,
    formulas,
    st.builds(lambda n: "x" * n, st.sampled_from([1999, 2000, 2001, 5000])),
    st.none(),
)


@st.composite
def tables(draw: st.DrawFn) -> list[list[Any]]:
    """A header (often the right one), sometimes an HXL row, then rows of odd cells."""
    header = draw(
        st.one_of(
            st.just(["indicator", "period", "adm2", "value", "comment"]),
            st.lists(header_names, min_size=1, max_size=7),
        )
    )
    rows = [header]
    if draw(st.booleans()):
        rows.append(HXL_TAGS[: len(header)])
    width = st.integers(0, len(header) + 1)
    rows += draw(
        st.lists(width.flatmap(lambda n: st.lists(cells, min_size=n, max_size=n)), max_size=6)
    )
    return rows


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    lines = [delimiter.join("" if c is None else str(c) for c in row) for row in draw(tables())]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


@st.composite
def xlsx_files(draw: st.DrawFn) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = draw(st.sampled_from(["readings", "Sheet", "indicators", "Feuil1", "lectures"]))
    if draw(st.booleans()):
        book.create_sheet(draw(st.sampled_from(["readings", "indicators", "notes"])), index=0)
    target = book["readings"] if "readings" in book.sheetnames else book.worksheets[0]
    for row in draw(tables()):
        target.append([c if not isinstance(c, str) or c.strip() else None for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@st.composite
def damaged(draw: st.DrawFn, data: st.SearchStrategy[bytes]) -> bytes:
    """A file cut short, with bytes overwritten, or with a junk prefix."""
    content = bytearray(draw(data))
    how = draw(st.sampled_from(["truncate", "flip", "prefix", "bom", "member"]))
    if how == "member" and content.startswith(b"PK"):
        return _damage_a_member(bytes(content), draw)
    if how == "truncate":
        return bytes(content[: _position(draw, len(content))])
    if how == "prefix":
        return draw(
            st.sampled_from([b"\x00", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xff"])
        ) + bytes(content)
    if how == "bom":
        return draw(st.sampled_from(["\ufeff".encode(), b"\xff\xfe", b"\xfe\xff"])) + bytes(content)
    for _ in range(draw(st.integers(1, 8))):
        if content:
            content[_position(draw, len(content) - 1)] = draw(st.integers(0, 255))
    return bytes(content)


def _position(draw: st.DrawFn, last: int) -> int:
    """A position from 0 to `last`, drawn independently of `last`: an XLSX file's length varies
    by a byte or two between runs (its timestamps), and a draw bounded by that length made
    Hypothesis stop with FlakyStrategyDefinition instead of replaying a failure."""
    return draw(st.integers(0, 1_000_000)) * last // 1_000_000


def _damage_a_member(workbook: bytes, draw: st.DrawFn) -> bytes:
    """A sound zip whose sheet, shared strings or styles are cut short or overwritten: openpyxl
    opens it, and meets the damage only while reading the rows."""
    original, damaged_zip = zipfile.ZipFile(io.BytesIO(workbook)), io.BytesIO()
    names = [n for n in original.namelist() if n.startswith("xl/")]
    victim = draw(st.sampled_from(names))
    with zipfile.ZipFile(damaged_zip, "w") as archive:
        for member in original.infolist():
            content = original.read(member.filename)
            if member.filename == victim:
                cut = _position(draw, len(content))
                content = content[:cut] + draw(st.sampled_from([b"", b"<", b"\xff\xfe", b"&bad;"]))
            archive.writestr(member, content)
    return damaged_zip.getvalue()


any_file = st.one_of(
    csv_files(),
    xlsx_files(),
    damaged(csv_files()),
    damaged(xlsx_files()),
    st.binary(max_size=300),
    st.just(b""),
    st.sampled_from([b" \n\t", b"\xef\xbb\xbf", b"\xff\xfe", b"PK\x05\x06" + b"\x00" * 18]),
)


def parse(filename: str, content_type: str | None, data: bytes) -> files.ParsedFile | InvalidInput:
    try:
        return files.parse_upload(filename, content_type, data)
    except InvalidInput as refusal:
        return refusal


def assert_refusal_names_the_file(refusal: InvalidInput, filename: str) -> files.InvalidParam:
    [param] = refusal.errors or []
    assert (param.location, param.field) == ("body", "file")
    assert param.code in FILE_CODES, param
    assert param.reason.strip()
    assert refusal.detail.startswith(f"{filename}: ")
    return param


class TestParseUpload:
    @given(
        data=any_file,
        filename=st.sampled_from(FILENAMES),
        content_type=st.sampled_from(CONTENT_TYPES),
    )
    def test_readings_or_a_refusal_naming_the_file(
        self, data: bytes, filename: str, content_type: str | None
    ) -> None:
        result = parse(filename, content_type, data)
        if isinstance(result, InvalidInput):
            assert_refusal_names_the_file(result, filename)
            return
        assert len(result.rows) == len(result.lines) > 0
        assert result.lines == sorted(set(result.lines))
        for row in result.rows:
            for value in row.values():
                assert not (isinstance(value, str) and value.lstrip().startswith("="))

    @given(workbook=xlsx_files(), data=st.data())
    def test_a_workbook_damaged_inside_is_refused_not_a_crash(
        self, workbook: bytes, data: st.DataObject
    ) -> None:
        result = parse("hcr.xlsx", None, _damage_a_member(workbook, data.draw))
        if isinstance(result, InvalidInput):
            assert_refusal_names_the_file(result, "hcr.xlsx")

    @given(
        table=tables(),
        bad=st.one_of(
            formulas, st.builds(lambda n: "é" * n, st.sampled_from([2001, 9000, 131_073]))
        ),
        as_xlsx=st.booleans(),
        data=st.data(),
    )
    def test_a_formula_or_a_huge_cell_is_refused_naming_its_row_and_column(
        self, table: list[list[Any]], bad: str, as_xlsx: bool, data: st.DataObject
    ) -> None:
        table[0] = ["indicator", "period", "value", "comment"]
        rows = [["1.1.1.1", "2021Q2", 4, "ok"] for _ in range(data.draw(st.integers(1, 4)))]
        line = data.draw(st.integers(0, len(rows) - 1))
        column = data.draw(st.integers(0, 3))
        rows[line][column] = bad
        table = [table[0], *rows]
        if as_xlsx:
            content, filename = _xlsx(table), "hcr.xlsx"
        else:
            content = "\n".join(",".join(f'"{c}"' for c in row) for row in table).encode()
            filename = "hcr.csv"
        refusal = parse(filename, None, content)
        assert isinstance(refusal, InvalidInput)
        param = assert_refusal_names_the_file(refusal, filename)
        assert param.code in ("formula_refused", "cell_too_long"), param
        assert f"row {line + 2}, column {column + 1}" in param.reason

    @given(sheet=st.sampled_from(["indicators", "Feuil1", "lectures", "READINGS "]), rows=tables())
    def test_a_workbook_without_a_readings_sheet_is_read_from_its_first_sheet(
        self, sheet: str, rows: list[list[Any]]
    ) -> None:
        guide = [["code", "indicator", "measure"], ["1.1.1.1", "Nombre de...", "count"]]
        book = openpyxl.Workbook()
        first = book.active
        assert first is not None
        first.title = sheet
        for row in guide:
            first.append(row)
        other = book.create_sheet("data")
        for row in rows:
            other.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        refusal = parse("hcr.xlsx", None, buffer.getvalue())
        assert isinstance(refusal, InvalidInput)
        param = assert_refusal_names_the_file(refusal, "hcr.xlsx")
        assert param.code == "unknown_column"
        assert re.search(r"unknown column '(code|measure)'", param.reason)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


class TestImportThroughTheApi:
    @http_settings()
    @given(
        data=any_file,
        filename=st.sampled_from(FILENAMES),
        content_type=st.sampled_from(["text/csv", "application/octet-stream"]),
    )
    def test_a_summary_or_a_problem_and_nothing_stored_on_refusal(
        self, hcr: TestClient, session: Session, data: bytes, filename: str, content_type: str
    ) -> None:
        before = stored(session)
        response = hcr.post(
            "/api/v1/readings/import", files={"file": (filename, data, content_type)}
        )
        body = assert_answer(response, 200)
        if response.status_code == 200:
            assert stored(session) == before + body["created"]
            return
        assert stored(session) == before
        if "summary" in body:
            for conflict in body["summary"]["conflicts"]:
                assert re.match(r"File rows? \d", conflict["message"]), conflict
        else:
            [error] = body["errors"]
            assert (error["field"], error["code"] in FILE_CODES) == ("file", True), error


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "cp1252"])
def test_a_csv_in_another_encoding_is_refused_saying_so(encoding: str) -> None:
    data = "indicator;period;value;comment\n1.1.1.1;2021Q2;4;réunion à Gao\n".encode(encoding)
    refusal = parse("hcr.csv", "text/csv", data)
    assert isinstance(refusal, InvalidInput)
    assert assert_refusal_names_the_file(refusal, "hcr.csv").code == "not_utf8"
