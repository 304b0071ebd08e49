"""A batch's refusals, row by row, in the request's language; their codes in neither."""

from typing import Any

from fastapi.testclient import TestClient

from tests.readings.conftest import count_reading
from tests.readings.test_import_router import BAD, GOOD, csv_file

FR = {"Accept-Language": "fr-ML, fr;q=0.9"}
PERCENT = {"indicator": "1.1.5.1", "period": "2021Q2"}
# One row for each kind of refusal, and a valid one (row 0), which an atomic batch leaves unstored.
ROWS: list[dict[str, Any]] = [
    count_reading(location="ML0703"),
    count_reading(indicator="9.9.9.9"),
    count_reading(indicator="1.1.1.3"),
    count_reading(period="2019Q4"),
    count_reading(period="2021Q3"),
    count_reading(organisation="UNICEF"),
    count_reading(value=-3),
    count_reading(value="beaucoup"),
    count_reading(location="ML9999"),
    count_reading(disaggregation={"couleur": "rouge"}),
    count_reading(location=None, disaggregation={"zone": "mars"}),
    count_reading(location="ML0701", disaggregation={"zone": "other"}),
    {**PERCENT, "value": 40},
    {**PERCENT, "numerator": 9, "denominator": 4},
    {**PERCENT, "numerator": 1, "denominator": 0},
    {**PERCENT, "numerator": 1},
    count_reading(location="ML0702"),
    count_reading(location="ML0702"),
]
FRENCH = {
    (1, "indicator", "unknown_indicator"): "Aucun indicateur n'a le code '9.9.9.9'.",
    (2, "indicator", "computed_indicator"): "L'indicateur 1.1.1.3 est calculé par le service",
    (3, "period", "period_outside_plan"): "La période 2019Q4 est hors du plan ; utilisez",
    (4, "period", "period_locked"): "La période 2021Q3 est verrouillée depuis ",
    (5, "organisation", "other_organisation"): "Vous ne rapportez que pour HCR ; retirez",
    (6, "value", "count_required"): "L'indicateur 1.1.1.1 est un nombre : `value` doit être",
    (7, "value", "int_parsing"): "L'entrée doit être un entier valide",
    (8, "location", "unknown_location"): "Aucun lieu n'a le P-code 'ML9999'.",
    (9, "disaggregation.couleur", "unknown_category"): "L'indicateur 1.1.1.1 n'a pas de "
    "ventilation 'couleur' (il a : zone).",
    (10, "disaggregation.zone", "unknown_option"): "'mars' n'est pas une option de 'zone' ;",
    (11, "disaggregation.zone", "zone_contradicts_location"): "ML0701 est dans la zone "
    "'liptako_gourma' en 2021Q2, pas 'other' ; omettez la zone",
    (12, "value", "percentage_is_computed"): "L'indicateur 1.1.5.1 est un pourcentage : envoyez",
    (13, "numerator", "numerator_out_of_range"): "`numerator` doit être compris entre 0 et le "
    "dénominateur (4) ; reçu : 9.",
    (14, "denominator", "denominator_not_positive"): "`denominator` doit être > 0.",
    (15, "denominator", "fraction_required"): "Un pourcentage demande `denominator`.",
    (16, "reading", "duplicate_in_batch"): "Les lignes [16, 17] envoient le même indicateur",
}


def batch(client: TestClient, headers: dict[str, str] | None = None, **params: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/readings/batch", json={"readings": ROWS}, params=params, headers=headers
    )


def by_row(conflicts: list[dict[str, Any]]) -> dict[tuple[int, str, str], str]:
    return {(c["rows"][0], c["field"], c["code"]): c["message"] for c in conflicts}


def test_a_french_batch_gets_every_row_refused_in_french(hcr: TestClient, ocha: TestClient) -> None:
    ocha.post("/api/v1/periods/2021Q3/lock", json={"reason": "tableau de bord envoyé"})
    response = batch(hcr, FR)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Language"] == "fr"
    assert "Accept-Language" in response.headers["Vary"]
    problem = response.json()
    assert problem["title"] == "Lot refusé"
    assert problem["detail"].startswith(
        "17 ligne(s) sur 18 ont été refusées, donc rien n'a été enregistré (mode=atomic)"
    )
    messages = by_row(problem["summary"]["conflicts"])
    assert messages.keys() == FRENCH.keys()  # the codes are the English identifiers
    for key, start in FRENCH.items():
        assert messages[key].startswith(start), (key, messages[key])
    assert (
        "(tableau de bord envoyé) ; demandez au secrétariat"
        in messages[4, "period", "period_locked"]
    )
    # `value` is an integer or a boolean: both of pydantic's reasons, joined in French
    assert " ; ou : L'entrée doit être un booléen valide" in messages[7, "value", "int_parsing"]


def test_partial_and_english(hcr: TestClient) -> None:
    partial = batch(hcr, FR, mode="partial")
    assert partial.status_code == 200, partial.text
    assert partial.headers["Content-Language"] == "fr"
    french = by_row(partial.json()["conflicts"])
    assert french[1, "indicator", "unknown_indicator"] == "Aucun indicateur n'a le code '9.9.9.9'."
    english = batch(hcr, {"Accept-Language": "en"}, dry_run="true")
    assert english.headers["Content-Language"] == "en"
    messages = by_row(english.json()["conflicts"])
    assert messages.keys() == french.keys()
    assert messages[1, "indicator", "unknown_indicator"] == "No indicator has the code '9.9.9.9'."
    assert messages[16, "reading", "duplicate_in_batch"].startswith(
        "Rows [16, 17] post the same indicator, period, organisation, location and breakdown"
    )
    assert messages[7, "value", "int_parsing"] == (
        "Input should be a valid integer, unable to parse string as an integer; or: Input should "
        "be a valid boolean, unable to interpret input"
    )


def test_a_replay_is_the_first_answer_in_its_language(hcr: TestClient) -> None:
    key = {"Idempotency-Key": "lot-fr-1"}
    first = batch(hcr, {**FR, **key})
    again = batch(hcr, {"Accept-Language": "en", **key})
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Content-Language" not in again.headers  # the first request's, not known here


def test_one_reading_refused_in_french(hcr: TestClient) -> None:
    response = hcr.post("/api/v1/readings", json=count_reading(value=-1), headers=FR)
    assert response.status_code == 422
    assert response.headers["Content-Language"] == "fr"
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("value", "count_required")
    assert error["reason"].startswith("L'indicateur 1.1.1.1 est un nombre")


def test_a_french_import_names_the_file_rows_in_french(hcr: TestClient) -> None:
    data = csv_file(GOOD[0], BAD, GOOD[0])
    response = hcr.post(
        "/api/v1/readings/import",
        files={"file": ("hcr.csv", data, "text/csv")},
        params={"mode": "partial"},
        headers=FR,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Language"] == "fr"
    messages = by_row(response.json()["conflicts"])
    assert messages[1, "value", "count_required"].startswith(
        "Ligne 4 du fichier : L'indicateur 1.1.1.1 est un nombre"
    )  # header, HXL row, then the rows from 3
    assert messages[0, "reading", "duplicate_in_batch"].startswith(
        "Lignes 3, 5 du fichier : Les lignes [0, 2] envoient le même indicateur"
    )
