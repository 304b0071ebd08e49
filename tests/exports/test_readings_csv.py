"""GET /exports/readings.csv: HXL hashtags, the list's visibility and filters, formulas quoted,
libhxl reads it, and it imports back unchanged."""

import csv
import io
from collections.abc import Callable

import hxl
import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from ehp_api.exports.readings import EXPORT_COLUMNS

URL = "/api/v1/exports/readings.csv"
HYPERLINK = '=HYPERLINK("http://evil.example","clic")'


def export(client: TestClient, **params: str) -> list[dict[str, str]]:
    """The data rows, by column name (the HXL row left out)."""
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    header, _hxl, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def planted(plant: Callable[..., dict]) -> dict[str, dict]:
    """HCR: a validated count and a submitted percentage; UNICEF: a validated yes/no and a
    submitted count."""
    return {
        "hcr_count": plant("HCR", indicator="1.1.1.1", period="2021Q2", location="ML0701", value=4),
        "hcr_pending": plant(
            "HCR", validate=False, indicator="1.1.5.1", period="2021Q1", numerator=3, denominator=8
        ),
        "unicef_yes": plant("UNICEF", indicator="1.2.6.1", period="2021", value=True),
        "unicef_pending": plant(
            "UNICEF", validate=False, indicator="1.1.1.2", period="2021Q3", location="ML07", value=9
        ),
    }


def ids(rows: list[dict[str, str]]) -> set[int]:
    return {int(r["id"]) for r in rows}


class TestFile:
    def test_header_hxl_row_bom_crlf_and_a_dated_name(self, ocha: TestClient) -> None:
        response = ocha.get(URL)
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"].startswith('attachment; filename="ehp-')
        assert response.headers["content-disposition"].endswith('.csv"')
        assert response.content.startswith(b"\xef\xbb\xbfindicator,period,organisation,adm1")
        lines = response.content.decode("utf-8-sig").split("\r\n")
        assert lines[0].split(",") == [c.name for c in EXPORT_COLUMNS]
        assert lines[1].split(",") == [c.hxl for c in EXPORT_COLUMNS]
        assert lines[1].startswith("#indicator+code,#date+period,#org+code,#adm1+code,#adm2+code")

    def test_values_by_measure_and_locations_by_level(
        self, ocha: TestClient, planted: dict[str, dict]
    ) -> None:
        rows = {r["indicator"]: r for r in export(ocha)}
        count, fraction, yes = rows["1.1.1.1"], rows["1.1.5.1"], rows["1.2.6.1"]
        assert (count["adm1"], count["adm2"], count["zone"], count["value"]) == (
            "ML07",
            "ML0701",
            "liptako_gourma",
            "4",
        )
        assert (fraction["value"], fraction["numerator"], fraction["denominator"]) == ("", "3", "8")
        assert (yes["value"], yes["measure"], yes["status"]) == ("true", "boolean", "validated")
        assert (rows["1.1.1.2"]["adm1"], rows["1.1.1.2"]["adm2"]) == ("ML07", "")
        assert count["indicator_text"].startswith("# de communications directes")
        assert count["created_at"].endswith("+00:00")

    def test_libhxl_reads_it(self, ocha: TestClient, planted: dict[str, dict]) -> None:
        data = ocha.get(URL).content
        source = hxl.data(io.BytesIO(data), hxl.InputOptions(allow_local=True))
        tags = [column.display_tag for column in source.columns]
        assert tags == [c.hxl for c in EXPORT_COLUMNS]
        rows = list(source)
        assert {r.get("#indicator+code") for r in rows} == {
            "1.1.1.1",
            "1.1.5.1",
            "1.2.6.1",
            "1.1.1.2",
        }
        count = next(r for r in rows if r.get("#indicator+code") == "1.1.1.1")
        assert (count.get("#adm2+code"), count.get("#indicator+num")) == ("ML0701", "4")
        assert count.get("#meta+status") == "validated"


class TestVisibility:
    def test_a_partner_gets_its_own_and_the_validated_ones_of_others(
        self, client_as: Callable[..., TestClient], planted: dict[str, dict]
    ) -> None:
        rows = export(client_as(Role.partner, "HCR"))
        expected = {planted[k]["id"] for k in ("hcr_count", "hcr_pending", "unicef_yes")}
        assert ids(rows) == expected  # not UNICEF's submitted reading

    def test_an_analyst_gets_validated_ones_only(
        self, client_as: Callable[..., TestClient], planted: dict[str, dict]
    ) -> None:
        rows = export(client_as(Role.analyst, "OCHA"))
        assert ids(rows) == {planted["hcr_count"]["id"], planted["unicef_yes"]["id"]}

    def test_the_secretariat_gets_all(self, ocha: TestClient, planted: dict[str, dict]) -> None:
        assert ids(export(ocha)) == {r["id"] for r in planted.values()}

    def test_it_holds_what_the_list_holds(
        self, client_as: Callable[..., TestClient], planted: dict[str, dict]
    ) -> None:
        partner = client_as(Role.partner, "UNICEF")
        listed = partner.get("/api/v1/readings", params={"limit": 500}).json()["items"]
        assert ids(export(partner)) == {r["id"] for r in listed}


class TestFilters:
    @pytest.mark.parametrize(
        ("params", "keys"),
        [
            ({"indicator": "1.1.1.1"}, {"hcr_count"}),
            ({"activity": "1.1.1"}, {"hcr_count", "unicef_pending"}),
            ({"period": "2021"}, {"hcr_count", "hcr_pending", "unicef_yes", "unicef_pending"}),
            ({"period": "2021Q2"}, {"hcr_count"}),
            ({"organisation": "UNICEF"}, {"unicef_yes", "unicef_pending"}),
            ({"location": "ML07"}, {"hcr_count", "unicef_pending"}),
            ({"zone": "liptako_gourma"}, {"hcr_count", "unicef_pending"}),
            ({"status": "submitted"}, {"hcr_pending", "unicef_pending"}),
        ],
    )
    def test_the_list_filters_apply(
        self, ocha: TestClient, planted: dict[str, dict], params: dict, keys: set[str]
    ) -> None:
        assert ids(export(ocha, **params)) == {planted[k]["id"] for k in keys}

    def test_an_invalid_filter_is_a_422_problem(self, ocha: TestClient) -> None:
        response = ocha.get(URL, params={"period": "2021-Q2"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "period"


class TestFormulas:
    @pytest.mark.parametrize("text", [HYPERLINK, "+33 1", "-5 cas", "@SUM(A1)", "\tx"])
    def test_text_that_would_run_as_a_formula_is_quoted(
        self, ocha: TestClient, plant: Callable[..., dict], text: str
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", value=1, comment=text)
        [row] = export(ocha)
        assert row["comment"] == "'" + text

    def test_plain_text_and_negative_looking_codes_are_left_alone(
        self, ocha: TestClient, plant: Callable[..., dict]
    ) -> None:
        plant("HCR", indicator="1.1.1.1", period="2021Q2", value=1, comment="Ansongo, 2 = deux")
        [row] = export(ocha)
        assert row["comment"] == "Ansongo, 2 = deux"


class TestRoundTrip:
    def test_an_export_imports_back_unchanged(
        self, client_as: Callable[..., TestClient], plant: Callable[..., dict]
    ) -> None:
        plant(
            "HCR",
            indicator="1.1.1.1",
            period="2021Q2",
            location="ML0701",
            value=4,
            comment="-5 since the last quarter, é",
        )  # quoted on the way out, not on the way in
        plant(
            "HCR", validate=False, indicator="1.1.5.1", period="2021Q1", numerator=3, denominator=8
        )
        plant("HCR", indicator="1.2.6.1", period="2021", value=False, external_ref="hcr-7")
        plant(
            "HCR",
            indicator="2.2.3.2",
            period="2022Q1",
            disaggregation={"participant_type": "ngo"},
            value=12,
        )
        plant("UNICEF", indicator="1.1.1.1", period="2021Q2", value=5)  # not HCR's to import
        hcr = client_as(Role.partner, "HCR")
        data = hcr.get(URL, params={"organisation": "HCR"}).content
        files = {"file": ("export.csv", data, "text/csv")}
        response = hcr.post("/api/v1/readings/import", files=files, params={"dry_run": "true"})
        assert response.status_code == 200, response.text
        summary = response.json()
        assert (summary["total"], summary["unchanged"]) == (4, 4), summary["conflicts"]


def test_a_correction_awaiting_review_shows_beside_the_validated_value(
    ocha: TestClient, hcr: TestClient, plant: Callable[..., dict]
) -> None:
    reading = {"indicator": "3.1.1.1", "period": "2021Q2", "location": "ML0901"}
    plant("HCR", **reading, value=9)
    assert hcr.post("/api/v1/readings", json={**reading, "value": 6}).status_code == 200
    [row] = export(ocha, indicator="3.1.1.1")
    assert (row["value"], row["validated_value"], row["status"]) == ("6", "9", "submitted")
