"""Input that would otherwise reach the database as something it cannot hold (ids beyond the
INTEGER columns, NUL characters) is refused with a 422 problem naming where it is."""

import base64
import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from ehp_api.complaints.models import Complaint
from ehp_api.core.permissions import Role
from ehp_api.readings.models import Reading

PROBLEM = "application/problem+json"


def refused(response, location: str, field: str, code: str, status: int = 422) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert (error["location"], error["field"], error["code"]) == (location, field, code)


class TestIdsBeyondTheColumns:
    @pytest.mark.parametrize(
        ("path", "field"),
        [
            ("/api/v1/readings/{}", "reading_id"),
            ("/api/v1/readings/{}/history", "reading_id"),
            ("/api/v1/alerts/{}", "alert_id"),
            ("/api/v1/complaints/{}", "complaint_id"),
        ],
    )
    def test_a_path_id_beyond_the_column_is_refused(
        self, ocha: TestClient, path: str, field: str
    ) -> None:
        for number in (2**31, 10**20):
            response = ocha.get(path.format(number))
            refused(response, "path", field, "less_than_equal")

    def test_a_user_or_key_id_beyond_the_column_is_refused(
        self, client_as, session: Session
    ) -> None:  # type: ignore[no-untyped-def]
        admin = client_as(Role.admin, "OCHA")
        refused(admin.get(f"/api/v1/users/{10**20}"), "path", "user_id", "less_than_equal")
        refused(admin.get(f"/api/v1/api-keys/{2**31}"), "path", "key_id", "less_than_equal")

    def test_a_forged_cursor_beyond_the_column_is_refused(self, hcr: TestClient) -> None:
        for after in (10**20, -1, True):
            cursor = base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()
            refused(
                hcr.get("/api/v1/readings", params={"cursor": cursor}), "query", "cursor", "cursor"
            )


class TestNulCharacters:
    def test_in_a_json_body_it_is_refused_naming_the_field(
        self, hcr: TestClient, session: Session
    ) -> None:
        rows = [{"indicator": "1.1.1.1", "period": "2021Q2", "value": 1, "comment": "a\x00b"}]
        response = hcr.post("/api/v1/readings/batch", json={"readings": rows})
        refused(response, "body", "readings.0.comment", "nul_character")
        assert session.exec(select(func.count()).select_from(Reading)).one() == 0

    def test_in_a_complaint_it_is_refused_and_nothing_is_stored(
        self, hcr: TestClient, session: Session
    ) -> None:
        complaint = {
            "channel": "hotline",
            "category": "feedback",
            "received_on": "2021-06-10",
            "description": "\x00",
        }
        refused(
            hcr.post("/api/v1/complaints", json=complaint), "body", "description", "nul_character"
        )
        assert session.exec(select(func.count()).select_from(Complaint)).one() == 0

    def test_an_escaped_backslash_is_not_a_nul(self, hcr: TestClient) -> None:
        row = {"indicator": "1.1.1.1", "period": "2021Q2", "value": 1, "comment": "C:\\u0000"}
        response = hcr.post("/api/v1/readings/batch", json={"readings": [row]})
        assert response.status_code == 200, response.text

    def test_in_a_query_it_is_refused_naming_the_parameter(self, hcr: TestClient) -> None:
        response = hcr.get("/api/v1/readings", params={"indicator": "1.1\x001.1"})
        refused(response, "query", "indicator", "nul_character")

    def test_in_a_path_it_is_refused(self, hcr: TestClient) -> None:
        response = hcr.get("/api/v1/organisations/HC%00R")
        refused(response, "path", "/api/v1/organisations/HC%00R", "nul_character")

    def test_in_a_form_body_it_is_refused(self, anon_client: TestClient) -> None:
        response = anon_client.post(
            "/api/v1/auth/token", data={"username": "a\x00@example.org", "password": "x"}
        )
        refused(response, "body", "username", "nul_character")

    @pytest.mark.parametrize("field", ["username", "password"])
    def test_in_a_multipart_form_it_is_refused(self, anon_client: TestClient, field: str) -> None:
        form = {"username": "a@example.org", "password": "x", field: "a\x00b"}
        # A file part makes httpx send multipart/form-data, the way a browser's FormData does.
        response = anon_client.post(
            "/api/v1/auth/token", data=form, files={"unused": ("a.txt", b"\x00", "text/plain")}
        )
        refused(response, "body", field, "nul_character")

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
    def test_json_in_another_encoding_than_utf8_is_refused(
        self, hcr: TestClient, session: Session, encoding: str
    ) -> None:
        row = {"indicator": "1.1.1.1", "period": "2021Q2", "value": 1, "comment": "a\x00b"}
        body = json.dumps({"readings": [row]}).encode(encoding)
        response = hcr.post(
            "/api/v1/readings/batch", content=body, headers={"Content-Type": "application/json"}
        )
        refused(response, "body", "body", "encoding", status=415)
        assert session.exec(select(func.count()).select_from(Reading)).one() == 0

    def test_a_charset_other_than_utf8_is_refused(self, hcr: TestClient) -> None:
        body = json.dumps({"readings": []}).encode("latin-1")
        headers = {"Content-Type": "application/json; charset=latin-1"}
        response = hcr.post("/api/v1/readings/batch", content=body, headers=headers)
        refused(response, "body", "body", "encoding", status=415)

    def test_utf8_json_declared_as_such_is_read(self, hcr: TestClient) -> None:
        body = json.dumps({"readings": []}).encode()
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        response = hcr.post("/api/v1/readings/batch", content=body, headers=headers)
        assert response.status_code == 200, response.text
