"""POST /readings/import and GET /readings/template.{xlsx,csv}, end to end through the API."""

import io
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from ehp_api.core.config import Settings
from ehp_api.readings.models import Reading
from tests.readings.test_files import xlsx_bytes

HEADER = "indicator,period,adm2,value,numerator,denominator,comment"
HXL = (
    "#indicator+code,#date+period,#adm2+code,#indicator+num,#indicator+numerator,"
    "#indicator+denominator,"
)
GOOD = [
    "1.1.1.1,2021Q2,ML0701,4,,,Ansongo",
    "1.1.5.1,2021Q2,,,3,8,",
    "1.2.6.1,2021,,oui,,,charte adoptée",
]
BAD = "1.1.1.1,2021Q2,ML0702,-3,,,"


def csv_file(*rows: str) -> bytes:
    return "\r\n".join([HEADER, HXL, *rows]).encode("utf-8-sig")


def upload(
    client: TestClient, data: bytes, name: str = "hcr.csv", key: str | None = None, **params: Any
):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/v1/readings/import",
        files={"file": (name, data, "text/csv")},
        params=params,
        headers=headers,
    )


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


class TestImport:
    def test_a_csv_is_stored_with_its_summary(self, hcr: TestClient, session: Session) -> None:
        response = upload(hcr, csv_file(*GOOD))
        assert response.status_code == 200, response.text
        assert (response.json()["total"], response.json()["created"]) == (3, 3)
        values = {r["indicator"]: r["value"] for r in hcr.get("/api/v1/readings").json()["items"]}
        assert values == {"1.1.1.1": 4, "1.1.5.1": 37.5, "1.2.6.1": True}

    def test_dry_run_writes_nothing(self, hcr: TestClient, session: Session) -> None:
        summary = upload(hcr, csv_file(*GOOD, BAD), dry_run="true").json()
        assert (summary["dry_run"], summary["created"], summary["rejected"]) == (True, 3, 1)
        assert stored(session) == 0

    def test_atomic_with_one_bad_row_writes_nothing_and_names_the_file_row(
        self, hcr: TestClient, session: Session
    ) -> None:
        response = upload(hcr, csv_file(GOOD[0], BAD, GOOD[1]))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        [conflict] = response.json()["summary"]["conflicts"]
        assert (conflict["rows"], conflict["code"]) == ([1], "count_required")
        assert conflict["message"].startswith("File row 4: ")  # header, HXL row, GOOD[0]
        assert stored(session) == 0

    def test_partial_stores_the_good_rows(self, hcr: TestClient, session: Session) -> None:
        response = upload(hcr, csv_file(*GOOD, BAD), mode="partial")
        assert (response.status_code, response.json()["rejected"]) == (200, 1)
        assert stored(session) == 3

    def test_an_xlsx_with_float_cells(self, hcr: TestClient, session: Session) -> None:
        data = xlsx_bytes(
            [["indicator", "period", "adm1", "value", "numerator", "denominator"],
             ["1.1.1.1", 2021.0, "ML07", 4.0, None, None],
             ["1.1.5.1", "2021Q2", None, None, 3.0, 8.0],
             ["1.1.1.2", "2021Q2", None, 2.5, None, None]]
        )  # fmt: skip
        summary = upload(hcr, data, name="hcr.xlsx", mode="partial").json()
        assert (summary["created"], summary["rejected"]) == (2, 1)
        # One conflict per member of `value`'s type (int | bool): both name row 4 of the file.
        assert {c["message"][:12] for c in summary["conflicts"]} == {"File row 4: "}
        assert "fractional part" in summary["conflicts"][0]["message"]

    def test_a_file_error_is_a_problem_naming_the_file(self, hcr: TestClient) -> None:
        response = upload(hcr, b"indicator,period,colour\n1.1.1.1,2021Q2,red")
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert (error["field"], error["code"]) == ("file", "unknown_column")
        assert "colour" in response.json()["detail"]

    def test_an_oversized_file_is_413(
        self, app: FastAPI, hcr: TestClient, settings: Settings, session: Session
    ) -> None:
        # Under the request's limit (it allows for the multipart framing), over the file's own.
        app.state.settings = settings.model_copy(update={"max_upload_bytes": 100})
        response = upload(hcr, csv_file(*GOOD, *GOOD))
        assert response.status_code == 413
        assert response.json()["type"] == "/problems/payload-too-large"
        assert response.json()["errors"][0]["field"] == "file"
        assert stored(session) == 0

    def test_the_import_bounds_are_the_services_settings(
        self, app: FastAPI, hcr: TestClient, settings: Settings, session: Session
    ) -> None:
        app.state.settings = settings.model_copy(update={"import_max_sheet_rows": 10})
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["indicator", "period", "adm2", "value"])
        for _ in range(3):
            sheet.append(["1.1.1.1", "2021Q2", "ML0701", 4])
        for _ in range(20):
            sheet.append([" "])
        buffer = io.BytesIO()
        book.save(buffer)
        response = upload(hcr, buffer.getvalue(), name="hcr.xlsx")
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert (error["field"], error["code"]) == ("file", "too_many_rows")
        assert "10 rows" in error["reason"]
        assert stored(session) == 0

    def test_the_secretariat_imports_for_an_organisation(
        self, ocha: TestClient, session: Session
    ) -> None:
        data = b"indicator,period,organisation,value\n1.1.1.2,2021Q2,UNICEF,2"
        assert upload(ocha, data).json()["created"] == 1
        listed = ocha.get("/api/v1/readings", params={"organisation": "UNICEF"}).json()
        assert [r["value"] for r in listed["items"]] == [2]


class TestIdempotency:
    def test_a_replay_returns_the_stored_answer(self, hcr: TestClient, session: Session) -> None:
        first = upload(hcr, csv_file(*GOOD), key="hcr-file-1")
        again = upload(hcr, csv_file(*GOOD), key="hcr-file-1")
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert stored(session) == 3

    def test_the_key_with_another_file_is_refused(self, hcr: TestClient) -> None:
        upload(hcr, csv_file(*GOOD), key="hcr-file-2")
        response = upload(hcr, csv_file(GOOD[0]), key="hcr-file-2")
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "idempotency_key_reused"


def template(client: TestClient, fmt: str, **params: str):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/readings/template.{fmt}", params=params)


class TestTemplate:
    def test_a_partner_gets_its_own(self, hcr: TestClient) -> None:
        response = template(hcr, "xlsx", period="2021Q2")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert 'filename="ehp-readings-HCR-2021Q2.xlsx"' in response.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["readings", "instructions", "indicators", "P-codes", "lists"]
        assert {row[2] for row in book["readings"].iter_rows(min_row=3, values_only=True)} == {
            "HCR"
        }

    def test_a_partner_may_not_ask_for_another_organisation(self, hcr: TestClient) -> None:
        assert template(hcr, "csv", period="2021Q2", organisation="HCR").status_code == 200
        assert template(hcr, "csv", period="2021Q2", organisation="UNICEF").status_code == 403

    def test_the_secretariat_names_the_organisation(self, ocha: TestClient) -> None:
        missing = template(ocha, "csv", period="2021Q2")
        assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "organisation")
        response = template(ocha, "csv", period="2021Q2", organisation="UNICEF")
        assert response.headers["content-type"].startswith("text/csv")
        assert response.text.splitlines()[2].startswith("1.1.1.1,2021Q2,UNICEF,")

    @pytest.mark.parametrize(
        ("params", "field"),
        [({"period": "2019Q1"}, "period"), ({"period": "Q2-2021"}, "period"),
         ({"period": "2021", "organisation": "NOPE"}, "organisation")],
    )  # fmt: skip
    def test_unknown_period_or_organisation(
        self, ocha: TestClient, params: dict[str, str], field: str
    ) -> None:
        response = template(ocha, "xlsx", **{"organisation": "HCR", **params})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
