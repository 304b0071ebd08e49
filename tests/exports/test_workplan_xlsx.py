"""GET /exports/workplan.xlsx: the logframe, one sheet per axis, with values per quarter."""

import io
from collections.abc import Callable
from typing import Any

import openpyxl
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role

URL = "/api/v1/exports/workplan.xlsx"
ALERT = {
    "kind": "ewrr", "category": "attack_on_civilians", "location": "ML0701",
    "occurred_on": "2021-05-02", "reported_on": "2021-05-03", "severity": 3,
    "affected_group": "idps",
}  # fmt: skip
QUARTERS = [f"{year}Q{q}" for year in (2020, 2021, 2022) for q in (1, 2, 3, 4)]


def workbook(client: TestClient, **params: str) -> openpyxl.Workbook:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('.xlsx"')
    assert response.headers["Content-Language"] == params.get("lang", "en")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def row_of(book: openpyxl.Workbook, code: str, axis: str = "Axis") -> dict[str, Any]:
    sheet = book[f"{axis} {code.split('.')[0]}"]
    _title, header, *rows = sheet.iter_rows(values_only=True)
    return next(dict(zip(header, r, strict=True)) for r in rows if r[1] == code)


class TestWorkbook:
    def test_one_sheet_per_axis_and_notes_with_frozen_headers(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        book = workbook(client_as(Role.analyst, "OCHA"))
        assert book.sheetnames == ["Axis 1", "Axis 2", "Axis 3", "Notes"]
        sheet = book["Axis 2"]
        assert sheet.freeze_panes == "C3"
        assert sheet.column_dimensions["C"].width == 60
        assert str(sheet["A1"].value).startswith("Axis 2 — Support the reduction of vulnerabil")
        header = [c.value for c in sheet[2]]
        assert header[:8] == [
            "level",
            "code",
            "text_fr",
            "text_en",
            "measure",
            "source",
            "leads",
            "planned",
        ]
        assert header[8:20] == QUARTERS
        assert header[20:] == [
            "2020", "2021", "2022", "baseline", "target 2020", "target 2021", "target 2022",
            "% of target 2020", "% of target 2021", "% of target 2022",
        ]  # fmt: skip
        levels = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
        assert levels == {"objective", "activity", "indicator"}
        notes = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
        assert {"level", "planned", "aggregation rules"} <= set(notes)

    def test_a_validated_value_shows_in_its_quarter(
        self, client_as: Callable[..., TestClient], plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4)
        plant("UNICEF", indicator="1.1.1.1", period="2021Q2", value=6)
        plant("UNFPA", validate=False, indicator="1.1.1.1", period="2021Q3", value=100)
        plant("HCR", indicator="1.1.5.1", period="2021Q1", numerator=1, denominator=3)
        plant("HCR", indicator="1.2.6.1", period="2021Q3", value=True)
        book = workbook(client_as(Role.partner, "HCR"))
        count = row_of(book, "1.1.1.1")
        assert (count["2021Q2"], count["2021Q3"], count["2021Q1"]) == (10, None, None)
        assert (count["measure"], count["source"]) == ("count", "manual")
        assert row_of(book, "1.1.5.1")["2021Q1"] == 33.3
        yes = row_of(book, "1.2.6.1")
        assert (yes["2021Q2"], yes["2021Q3"], yes["2022Q4"]) == (None, "yes", "yes")

    def test_planned_quarters_are_shaded_and_percentages_have_one_decimal(
        self, client_as: Callable[..., TestClient], plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.1.5.1", period="2021Q1", numerator=1, denominator=3)
        sheet = workbook(client_as(Role.analyst, "OCHA"))["Axis 1"]
        row = next(r for r in sheet.iter_rows(min_row=3) if r[1].value == "1.1.1.1")
        planned = {QUARTERS[i] for i, cell in enumerate(row[8:]) if cell.fill.fill_type}
        assert planned == set(QUARTERS[2:])  # 1.1.1.1 is planned from 2020Q3
        fraction = next(r for r in sheet.iter_rows(min_row=3) if r[1].value == "1.1.5.1")
        assert fraction[8 + QUARTERS.index("2021Q1")].number_format == "0.0"

    def test_a_computed_indicator_shows_its_alert_counts(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        hcr = client_as(Role.partner, "HCR")
        alert = hcr.post("/api/v1/alerts", json=ALERT)
        assert alert.status_code == 201, alert.text
        shared = {"to": "shared", "on": "2021-05-04"}
        step = hcr.post(f"/api/v1/alerts/{alert.json()['id']}/transitions", json=shared)
        assert step.status_code == 200, step.text
        computed = row_of(workbook(client_as(Role.analyst, "OCHA")), "1.3.2.1")
        assert (computed["source"], computed["2021Q2"], computed["2021Q3"]) == ("computed", 1, 0)

    def test_activities_give_their_leads_as_written(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        row = row_of(workbook(client_as(Role.analyst, "OCHA")), "1.1.1")
        assert (row["level"], row["leads"]) == ("activity", "HCR/UNICEF/UNFPA & OCHA (Secrétariat)")


def bullets(book: openpyxl.Workbook) -> list[str]:
    """The aggregation rules of the Notes sheet, one a row."""
    cells = (row[1] for row in book["Notes"].iter_rows(values_only=True))
    return [cell for cell in cells if isinstance(cell, str) and cell.startswith("• ")]


class TestLanguages:
    """The sheets, headers and notes in the request's language; the cells' codes in neither."""

    def test_in_french_sheets_headers_and_notes_are_french_and_codes_stay(
        self, client_as: Callable[..., TestClient], plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.2.6.1", period="2021Q3", value=True)
        book = workbook(client_as(Role.partner, "HCR"), lang="fr")
        assert book.sheetnames == ["Axe 1", "Axe 2", "Axe 3", "Notes"]
        sheet = book["Axe 2"]
        assert str(sheet["A1"].value).startswith("Axe 2 — SOUTENIR LA RÉDUCTION")
        header = [c.value for c in sheet[2]]
        assert header[:8] == [
            "niveau", "code", "texte_fr", "texte_en", "mesure", "source", "chefs de file", "prévu",
        ]  # fmt: skip
        assert header[8:20] == QUARTERS
        assert header[20:] == [
            "2020", "2021", "2022", "valeur de référence", "cible 2020", "cible 2021",
            "cible 2022", "% de la cible 2020", "% de la cible 2021", "% de la cible 2022",
        ]  # fmt: skip
        yes = row_of(book, "1.2.6.1", axis="Axe")
        assert (yes["niveau"], yes["mesure"], yes["source"]) == ("indicator", "boolean", "manual")
        assert (yes["2021Q2"], yes["2021Q3"]) == (None, "oui")
        notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row}
        assert notes["élément"] == "signification"
        assert notes["niveau"].startswith("objective (objectif), activity (activité)")
        assert notes["feuilles"].startswith("Une feuille par axe prioritaire (Axe 1, Axe 2")
        assert notes["cible AAAA"].startswith("La cible de l'année fixée par le secrétariat")
        assert "règles d'agrégation" in notes
        rules = bullets(book)
        assert rules[0].startswith("• Valeurs validées seulement : un relevé compte")
        assert len(rules) == 11

    def test_accept_language_chooses_too_and_english_is_english(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        analyst = client_as(Role.analyst, "OCHA")
        french = analyst.get(URL, headers={"Accept-Language": "fr-ML, en;q=0.5"})
        assert french.headers["Content-Language"] == "fr"
        assert openpyxl.load_workbook(io.BytesIO(french.content)).sheetnames[0] == "Axe 1"
        book = workbook(analyst, lang="en")
        notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row}
        assert notes["what"] == "meaning"
        assert notes["sheets"].startswith("One sheet per priority axis (Axis 1, Axis 2")
        assert notes["yes/no"].startswith("yes / no by the indicator's kind")
        rules = bullets(book)
        assert rules[0].startswith("• Validated values only: a reading counts")
