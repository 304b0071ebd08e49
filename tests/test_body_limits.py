"""Request bodies over their limit get a 413 problem, read no further than the limit, and write
nothing: with a Content-Length (refused before reading) and without one (chunked, counted)."""

import json
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select
from starlette.types import Message

from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.readings.models import Reading
from tests import builders
from tests.conftest import on_test_session

LIMIT = 4096
PROBLEM = "application/problem+json"
CERCLES = ("ML0701", "ML0702", "ML0703")  # distinct keys for the first three rows
BATCH = "/api/v1/readings/batch"
IMPORT = "/api/v1/readings/import"


@pytest.fixture
def small_app(settings: Settings, session: Session) -> FastAPI:
    """The app with 4 KB limits for JSON bodies and uploaded files."""
    application = create_app(
        settings.model_copy(
            update={"max_body_bytes": LIMIT, "max_batch_bytes": LIMIT, "max_upload_bytes": LIMIT}
        )
    )
    return on_test_session(application, session)


@pytest.fixture
def auth(session: Session) -> dict[str, str]:
    return builders.bearer(builders.api_key(session, Role.partner, "HCR"))


def readings_body(count: int) -> bytes:
    rows = [
        {"indicator": "1.1.1.1", "period": "2021Q2", "location": CERCLES[i % 3], "value": i}
        for i in range(count)
    ]
    return json.dumps({"readings": rows}).encode()


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


def call(
    app: FastAPI, path: str, headers: dict[str, str], chunks: list[bytes]
) -> tuple[list[Message], int]:
    """POST the body to the ASGI app in these chunks; what it sent back, and how many chunks it
    read (a real server would stream them the same way)."""
    read = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        if read == len(chunks):
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    return sent, read


def answer(sent: list[Message]) -> tuple[int, dict[str, str], dict[str, Any]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, json.loads(body)


def assert_too_large(status: int, content_type: str, problem: dict[str, Any], field: str) -> None:
    assert (status, content_type) == (413, PROBLEM)
    assert problem["type"] == "/problems/payload-too-large"
    [error] = problem["errors"]
    assert (error["location"], error["field"], error["code"]) == ("body", field, "too_large")
    assert "4 KB" in error["reason"]


class TestJsonBody:
    def test_a_declared_length_over_the_limit_is_refused_before_reading(
        self, small_app: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        body = readings_body(200)
        headers = {**auth, "content-type": "application/json", "content-length": str(len(body))}
        sent, read = call(small_app, BATCH, headers, [body])
        status, response_headers, problem = answer(sent)
        assert_too_large(status, response_headers["content-type"], problem, "body")
        assert read == 0
        assert response_headers["x-request-id"] == problem["request_id"]
        assert stored(session) == 0

    def test_a_chunked_body_stops_being_read_once_over_the_limit(
        self, small_app: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        body = readings_body(400)
        chunks = [body[i : i + 1024] for i in range(0, len(body), 1024)]
        headers = {**auth, "content-type": "application/json"}  # no Content-Length
        sent, read = call(small_app, BATCH, headers, chunks)
        status, response_headers, problem = answer(sent)
        assert_too_large(status, response_headers["content-type"], problem, "body")
        assert read == LIMIT // 1024 + 1  # the chunk that passed the limit, and no more
        assert len(chunks) > read
        assert stored(session) == 0

    def test_a_chunked_body_through_the_client(
        self, small_app: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        body = readings_body(200)
        with TestClient(small_app, headers=auth) as client:
            response = client.post(
                BATCH, content=iter([body]), headers={"Content-Type": "application/json"}
            )
        assert "content-length" not in response.request.headers
        assert_too_large(
            response.status_code, response.headers["content-type"], response.json(), "body"
        )
        assert stored(session) == 0

    def test_a_body_within_the_limit_is_served(
        self, small_app: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        body = readings_body(3)
        with TestClient(small_app, headers=auth) as client:
            declared = client.post(
                BATCH, content=body, headers={"Content-Type": "application/json"}
            )
            chunked = client.post(
                BATCH,
                content=iter([body[:50], body[50:]]),
                headers={"Content-Type": "application/json"},
            )
        assert declared.status_code == 200, declared.text
        assert (chunked.status_code, chunked.json()["unchanged"]) == (200, 3)
        assert stored(session) == 3


class TestCredentialsFirst:
    """An operation that needs credentials checks them before it reads a byte of the body."""

    @pytest.mark.parametrize("credentials", [{}, {"Authorization": "Bearer ehpk_0000_nope"}])
    @pytest.mark.parametrize("path", [BATCH, "/api/v1/alerts", "/api/v1/complaints"])
    def test_a_body_from_a_stranger_is_never_read(
        self, small_app: FastAPI, session: Session, credentials: dict[str, str], path: str
    ) -> None:
        body = readings_body(400)
        chunks = [body[i : i + 1024] for i in range(0, len(body), 1024)]
        headers = {**credentials, "content-type": "application/json"}
        sent, read = call(small_app, path, headers, chunks)
        status, response_headers, problem = answer(sent)
        assert (status, response_headers["content-type"]) == (401, PROBLEM)
        assert problem["type"] == "/problems/unauthorized"
        assert response_headers["connection"] == "close"
        assert read == 0
        assert stored(session) == 0

    def test_a_public_operation_reads_its_body_within_the_small_limit(
        self, small_app: FastAPI
    ) -> None:
        form = b"username=a%40example.org&password=" + b"x" * (2 * LIMIT)
        headers = {"content-type": "application/x-www-form-urlencoded"}
        sent, _ = call(small_app, "/api/v1/auth/token", headers, [form])
        status, response_headers, problem = answer(sent)
        assert_too_large(status, response_headers["content-type"], problem, "body")


class TestPerOperation:
    @pytest.fixture
    def app_with_a_larger_batch(self, small_app: FastAPI) -> FastAPI:
        settings = small_app.state.settings.model_copy(update={"max_batch_bytes": 64 * LIMIT})
        application = create_app(settings)
        application.dependency_overrides = small_app.dependency_overrides
        return application

    def test_the_batch_takes_what_other_operations_refuse(
        self, app_with_a_larger_batch: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        body = readings_body(3) + b" " * (2 * LIMIT)  # trailing blanks: still the same JSON
        headers = {**auth, "content-type": "application/json"}
        with TestClient(app_with_a_larger_batch, headers=headers) as client:
            batch = client.post(BATCH, content=body)
            reading = client.post("/api/v1/readings", content=body)
        assert batch.status_code == 200, batch.text
        assert stored(session) == 3
        assert_too_large(
            reading.status_code, reading.headers["content-type"], reading.json(), "body"
        )
        assert "EHP_MAX_BODY_BYTES" in reading.json()["detail"]


class TestUpload:
    def csv(self, rows: int) -> bytes:
        lines = [
            "indicator,period,adm2,value",
            *[f"1.1.1.1,2021Q2,{CERCLES[i % 3]},{i}" for i in range(rows)],
        ]
        return "\n".join(lines).encode()

    def test_a_file_over_the_limit_is_refused_before_reading(
        self, small_app: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        with TestClient(small_app, headers=auth) as client:
            response = client.post(IMPORT, files={"file": ("big.csv", self.csv(5000), "text/csv")})
        assert_too_large(
            response.status_code, response.headers["content-type"], response.json(), "file"
        )
        assert stored(session) == 0

    def test_a_chunked_upload_stops_being_read_once_over_the_limit(
        self, small_app: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        boundary = "limit-test-boundary"
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
                f"Content-Type: text/csv\r\n\r\n"
            ).encode()
            + self.csv(20000)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        chunks = [body[i : i + 16384] for i in range(0, len(body), 16384)]
        headers = {**auth, "content-type": f"multipart/form-data; boundary={boundary}"}
        sent, read = call(small_app, IMPORT, headers, chunks)
        status, response_headers, problem = answer(sent)
        assert_too_large(status, response_headers["content-type"], problem, "file")
        assert read < len(chunks)
        assert stored(session) == 0

    def test_a_file_at_the_limit_is_read(
        self, small_app: FastAPI, auth: dict[str, str], session: Session
    ) -> None:
        data = self.csv(2)
        data += b"\n" * (LIMIT - len(data))
        with TestClient(small_app, headers=auth) as client:
            response = client.post(IMPORT, files={"file": ("ok.csv", data, "text/csv")})
        assert response.status_code == 200, response.text
        assert stored(session) == 2


def test_the_largest_legitimate_batch_fits_the_default_limit() -> None:
    """10,000 readings with every field at its longest, French comments in UTF-8 (as httpx and
    `ehp-api push` send them)."""
    breakdown = {
        "zone": "liptako_gourma",
        "setting": "office",
        "participant_sector": "x" * 40,
        "participant_type": "x" * 40,
        "outcome_type": "x" * 40,
    }
    row = {
        "indicator": "x" * 16,
        "period": "2021Q2",
        "organisation": "x" * 32,
        "location": "x" * 12,
        "disaggregation": breakdown,
        "value": 2_147_483_647,
        "comment": "é" * 2000,
        "external_ref": "x" * 200,
    }
    body = json.dumps({"readings": [row] * 10_000}, ensure_ascii=False).encode()
    assert len(body) < 0.8 * Settings(_env_file=None).max_batch_bytes


def test_every_operation_with_a_body_documents_the_413(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = [op for item in document["paths"].values() for op in item.values()]
    with_body = [op for op in operations if "requestBody" in op]
    assert len(with_body) > 10
    for operation in with_body:
        response = operation["responses"].get("413")
        assert response is not None, operation["operationId"]
        assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    import_413 = document["paths"][IMPORT]["post"]["responses"]["413"]["description"]
    assert "EHP_MAX_UPLOAD_BYTES" in import_413
    assert (
        "EHP_MAX_BATCH_BYTES" in document["paths"][BATCH]["post"]["responses"]["413"]["description"]
    )
