"""The readings template a partner fills in without a manual: in French, a row per indicator and
breakdown option, drop-down lists of the codes, the P-codes with their names, the instructions,
the HXL row; filled in with openpyxl as a partner would, it imports."""

import csv
import io
import re
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.readings.files.template import SPARE_ROWS
from tests import builders
from tests.conftest import on_test_session
from tests.helpers import all_items

PERIOD = "2021Q2"
FRENCH_HEADER = (
    "indicateur", "période", "organisation", "région (P-code adm1)", "cercle (P-code adm2)",
    "zone", "lieu de réalisation", "secteur des participants", "type de participants",
    "type de retombée", "valeur", "numérateur", "dénominateur", "commentaire", "votre référence",
)  # fmt: skip
HXL_ROW = (
    "#indicator+code", "#date+period", "#org+code", "#adm1+code", "#adm2+code",
    "#indicator+zone", "#indicator+setting", "#indicator+sector", "#indicator+type",
    "#indicator+outcome", "#indicator+num", "#indicator+numerator", "#indicator+denominator",
    "#description", "#meta+ref",
)  # fmt: skip
VALUE, NUMERATOR, DENOMINATOR, ADM2 = "K", "L", "M", "E"
BREAKDOWN_COLUMNS = {
    "setting": "G", "participant_sector": "H", "participant_type": "I", "outcome_type": "J",
}  # fmt: skip


def download(client: TestClient, fmt: str = "xlsx", **params: str) -> Any:
    response = client.get(f"/api/v1/readings/template.{fmt}", params={"period": PERIOD, **params})
    assert response.status_code == 200, response.text
    return response


def workbook(client: TestClient, **params: str) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(download(client, **params).content))


def manual_indicators(client: TestClient) -> list[dict[str, Any]]:
    """From the work plan API, not from the template: what the template should list."""
    planned = all_items(client, "/api/v1/indicators", planned_in=PERIOD)
    manual = [i for i in planned if i["source"] == "manual"]
    return sorted(manual, key=lambda i: [int(p) for p in i["code"].split(".")])


def expected_lines(indicators: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    """The total, then each option of each breakdown but the zone (given by the P-code)."""
    lines: list[tuple[str, str | None, str | None]] = []
    for indicator in indicators:
        lines.append((indicator["code"], None, None))
        for category in indicator["disaggregations"]:
            if category["code"] != "zone":
                lines += [
                    (indicator["code"], category["code"], o["code"]) for o in category["options"]
                ]
    return lines


def template_lines(sheet: Worksheet) -> list[tuple[str, str | None, str | None]]:
    lines = []
    for row in sheet.iter_rows(min_row=3, values_only=True):
        filled = [(c, row[ord(letter) - 65]) for c, letter in BREAKDOWN_COLUMNS.items()]
        options = [(c, v) for c, v in filled if v is not None]
        assert len(options) <= 1, row  # one breakdown option per row, never two
        category, option = options[0] if options else (None, None)
        lines.append((row[0], category, option))
    return lines


def validations(sheet: Worksheet) -> dict[str, DataValidation]:
    return {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}


def rule_of(sheet: Worksheet, cell: str) -> DataValidation:
    """The one validation that covers `cell`."""
    found = [r for r in sheet.data_validations.dataValidation if cell in r.sqref]
    assert len(found) == 1, (cell, [str(r.sqref) for r in found])
    return found[0]


RANGE = re.compile(
    r"^'?(?P<sheet>[^'!]+)'?!\$(?P<col>[A-Z]+)\$(?P<first>\d+):\$[A-Z]+\$(?P<last>\d+)$"
)


def listed(book: Workbook, formula: str) -> list[Any]:
    """The values a list validation's range formula points at."""
    match = RANGE.match(formula)
    assert match, formula
    sheet, col = book[match["sheet"]], match["col"]
    return [sheet[f"{col}{r}"].value for r in range(int(match["first"]), int(match["last"]) + 1)]


class TestTheFrenchWorkbook:
    def test_sheets_header_hxl_row_and_one_row_per_indicator_and_option(
        self, hcr: TestClient
    ) -> None:
        response = download(hcr, lang="fr")
        assert response.headers["Content-Language"] == "fr"
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["relevés", "instructions", "indicateurs", "P-codes", "listes"]
        assert book["listes"].sheet_state == "hidden"
        assert book.active.title == "relevés"
        sheet = book["relevés"]
        header, hxl = (tuple(r) for r in sheet.iter_rows(max_row=2, values_only=True))
        assert header == FRENCH_HEADER
        assert hxl == HXL_ROW
        assert sheet.freeze_panes == "A3"
        indicators = manual_indicators(hcr)
        lines = template_lines(sheet)
        assert lines == expected_lines(indicators)
        assert len(lines) > len(indicators)  # the plan asks for breakdowns: option rows exist
        assert {r[1:3] for r in sheet.iter_rows(min_row=3, values_only=True)} == {(PERIOD, "HCR")}

    def test_drop_down_lists_of_the_codes(self, hcr: TestClient) -> None:
        book = workbook(hcr, lang="fr")
        sheet = book["relevés"]
        indicators = manual_indicators(hcr)
        last = 2 + len(expected_lines(indicators)) + SPARE_ROWS
        rules = validations(sheet)
        for column in "ABCDEGHIJ":
            rule = rules[f"{column}3:{column}{last}"]
            assert (rule.type, rule.allow_blank, rule.showErrorMessage) == ("list", True, True)
            assert rule.error == "Choisissez une valeur dans la liste déroulante."
        codes = listed(book, rules[f"A3:A{last}"].formula1)
        assert codes == [i["code"] for i in indicators]
        assert rules[f"A3:A{last}"].formula1.startswith("'indicateurs'!$A$2:")
        assert listed(book, rules[f"B3:B{last}"].formula1) == [
            "2021", "2021Q1", "2021Q2", "2021Q3", "2021Q4",
        ]  # fmt: skip
        assert rules[f"C3:C{last}"].formula1 == '"HCR"'
        regions = [p["pcode"] for p in all_items(hcr, "/api/v1/locations", level=1)]
        cercles = [p["pcode"] for p in all_items(hcr, "/api/v1/locations", level=2)]
        assert listed(book, rules[f"D3:D{last}"].formula1) == sorted(regions)
        assert listed(book, rules[f"E3:E{last}"].formula1) == sorted(cercles)
        assert len(regions) == 10
        assert "ML0701" in cercles
        categories = {c["code"]: c for c in all_items(hcr, "/api/v1/disaggregations")}
        for category, column in BREAKDOWN_COLUMNS.items():
            options = [o["code"] for o in categories[category]["options"]]
            assert listed(book, rules[f"{column}3:{column}{last}"].formula1) == options
        assert f"F3:F{last}" in rules  # the zone: a list too, for a row without a P-code

    def test_each_rows_value_cells_take_what_its_measure_takes(self, hcr: TestClient) -> None:
        sheet = workbook(hcr, lang="fr")["relevés"]
        measures = {i["code"]: i["measure"] for i in manual_indicators(hcr)}
        seen = set()
        for row, line in enumerate(template_lines(sheet), start=3):
            measure = measures[line[0]]
            seen.add(measure)
            if measure == "count":
                rule = rule_of(sheet, f"{VALUE}{row}")
                assert (rule.type, rule.operator, rule.formula1) == (
                    "whole", "greaterThanOrEqual", "0"
                )  # fmt: skip
                assert rule.error == "Un entier, 0 ou plus."
            elif measure == "boolean":
                rule = rule_of(sheet, f"{VALUE}{row}")
                assert (rule.type, rule.formula1) == ("list", '"oui,non"')
            else:
                assert f"{VALUE}{row}" not in validations(sheet)
                for cell in (f"{NUMERATOR}{row}", f"{DENOMINATOR}{row}"):
                    assert (rule_of(sheet, cell).type, rule_of(sheet, cell).formula1) == (
                        "whole", "0"
                    )  # fmt: skip
        assert seen == {"count", "percentage", "boolean"}
        after = 3 + len(template_lines(sheet))  # the first spare row: codes listed, no measure
        assert rule_of(sheet, f"A{after}").type == "list"
        assert not any(f"{VALUE}{after}" in r.sqref for r in validations(sheet).values())

    def test_the_p_codes_sheet_names_every_place(self, hcr: TestClient) -> None:
        places = list(workbook(hcr, lang="fr")["P-codes"].iter_rows(values_only=True))
        assert places[0] == ("P-code", "nom", "niveau", "P-code de la région", "région")
        by_code = {row[0]: row for row in places[1:]}
        assert by_code["ML07"] == ("ML07", "Gao", "région (adm1)", None, None)
        assert by_code["ML0701"] == ("ML0701", "Ansongo", "cercle (adm2)", "ML07", "Gao")
        assert by_code["ML10"][1] == "Ménaka"
        assert len(by_code) == len(all_items(hcr, "/api/v1/locations"))

    def test_the_instructions_are_in_french(self, hcr: TestClient) -> None:
        rows = list(workbook(hcr, lang="fr")["instructions"].iter_rows(values_only=True))
        texts = [row[0] for row in rows if row[0]]
        assert texts[0] == "Comment remplir ce modèle"
        assert texts[1].startswith(
            "Remplissez une ligne par chiffre. La feuille « relevés » a, pour chaque "
            "indicateur prévu en 2021Q2, une ligne pour son total"
        )
        assert any(
            "Oui/non : oui ou non dans « valeur »" in t and "« numérateur »" in t for t in texts
        )
        assert any(t.startswith("La part Liptako Gourma découle des P-codes") for t in texts)
        assert next(r[:3] for r in rows if r[1] == "value") == ("valeur", "value", "#indicator+num")
        assert not any("Fill in" in str(t) for t in texts)

    def test_french_is_the_default(self, settings: Settings, session: Session) -> None:
        # The app as deployed in Mali (EHP_DEFAULT_LANGUAGE=fr; the tests run in English).
        french = on_test_session(
            create_app(settings.model_copy(update={"default_language": "fr"})), session
        )
        hcr = TestClient(french, headers=builders.bearer(builders.api_key(session, Role.partner)))
        response = download(hcr)
        assert response.headers["Content-Language"] == "fr"
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames[0] == "relevés"
        csv_header = download(hcr, "csv").content.decode("utf-8-sig").splitlines()[0]
        assert csv_header.split(",") == list(FRENCH_HEADER)

    def test_english_on_request_keeps_the_machine_names(self, hcr: TestClient) -> None:
        book = workbook(hcr, lang="en")
        assert book.sheetnames == ["readings", "instructions", "indicators", "P-codes", "lists"]
        header = next(book["readings"].iter_rows(max_row=1, values_only=True))
        assert header[10:13] == ("value", "numerator", "denominator")
        assert validations(book["readings"])  # the lists in English too


Stored = tuple[str, str | None, dict[str, str], Any]  # indicator, place, breakdown, value


def fill_like_a_partner(data: bytes, hcr: TestClient) -> tuple[bytes, list[Stored]]:
    """Type a count total (with a place), a breakdown option, a percentage and a yes/no into
    the French template, leaving every other row as it came: the file, and what it stores."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["relevés"]
    measures = {i["code"]: i["measure"] for i in manual_indicators(hcr)}
    wanted: dict[str, Stored] = {}
    for row, (code, category, option) in enumerate(template_lines(sheet), start=3):
        kind = measures[code]
        if kind == "count":
            kind = "option" if category else "total"
        if kind in wanted:
            continue
        breakdown = {category: option} if category and option else {}
        if kind == "total":
            sheet[f"{VALUE}{row}"], sheet[f"{ADM2}{row}"] = 7, "ML0701"
            wanted[kind] = (code, "ML0701", breakdown, 7)
        elif kind == "option":
            sheet[f"{VALUE}{row}"] = 3
            wanted[kind] = (code, None, breakdown, 3)
        elif kind == "percentage":
            sheet[f"{NUMERATOR}{row}"], sheet[f"{DENOMINATOR}{row}"] = 2, 8
            wanted[kind] = (code, None, breakdown, (2, 8))
        else:
            sheet[f"{VALUE}{row}"] = "oui"
            wanted[kind] = (code, None, breakdown, True)
    assert set(wanted) == {"total", "option", "percentage", "boolean"}
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), list(wanted.values())


def stored(reading: dict[str, Any]) -> Stored:
    # The service fills in the zone of a placed reading: the template left it empty.
    breakdown = {k: v for k, v in reading["disaggregation"].items() if k != "zone"}
    value = reading["value"]
    if reading["measure"] == "percentage":
        value = (reading["numerator"], reading["denominator"])
    return (reading["indicator"], reading["location"], breakdown, value)


class TestRoundTrip:
    def test_the_french_template_filled_in_imports_and_is_stored(self, hcr: TestClient) -> None:
        filled, wanted = fill_like_a_partner(download(hcr, lang="fr").content, hcr)
        response = hcr.post(
            "/api/v1/readings/import",
            files={"file": ("releves-hcr.xlsx", filled)},
            headers={"Accept-Language": "fr"},
        )
        assert response.status_code == 200, response.text
        summary = response.json()
        assert (summary["total"], summary["created"], summary["rejected"]) == (4, 4, 0)
        readings = all_items(hcr, "/api/v1/readings", period=PERIOD, organisation="HCR")
        assert sorted(map(stored, readings), key=repr) == sorted(wanted, key=repr)

    def test_the_french_csv_template_filled_in_imports(self, hcr: TestClient) -> None:
        lines = download(hcr, "csv", lang="fr").content.decode("utf-8-sig").splitlines()
        rows = list(csv.reader(lines))
        assert rows[0] == list(FRENCH_HEADER)
        assert rows[1] == list(HXL_ROW)
        measures = {i["code"]: i["measure"] for i in manual_indicators(hcr)}
        target = next(r for r in rows[2:] if measures[r[0]] == "count" and not any(r[5:10]))
        target[10] = "5"
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=";").writerows(rows)  # as French Excel saves it
        data = buffer.getvalue().encode("utf-8-sig")
        response = hcr.post("/api/v1/readings/import", files={"file": ("hcr.csv", data)})
        assert response.status_code == 200, response.text
        assert (response.json()["total"], response.json()["created"]) == (1, 1)
        [reading] = all_items(hcr, "/api/v1/readings", period=PERIOD, organisation="HCR")
        assert (reading["indicator"], reading["value"]) == (target[0], 5)
