"""Log lines as an operator reads them: JSON objects (or text), each with its request's id, one
access line per request with its route template, status, latency and caller, and nothing of what
the service protects (secrets, follow-up codes, identities, narratives)."""

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import BackgroundTasks, FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from ehp_api.core.logs import formatter
from ehp_api.core.permissions import Role
from tests import builders
from tests.complaints.conftest import BASE as COMPLAINTS
from tests.complaints.conftest import complaint, named

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def captured(app: FastAPI) -> Iterator[io.StringIO]:
    """What the app's loggers write, as `EHP_LOG_FORMAT=json` writes it (after `create_app`)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    logger = logging.getLogger("ehp_api")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.fixture
def lines(captured: io.StringIO) -> Lines:
    return lambda: [json.loads(line) for line in captured.getvalue().splitlines()]


def access_lines(lines: Lines, path: str) -> list[dict[str, Any]]:
    return [x for x in lines() if x["logger"] == "ehp_api.access" and x["path"] == path]


def test_every_line_a_request_causes_carries_its_id(app: FastAPI, lines: Lines) -> None:
    worker = logging.getLogger("ehp_api.test")

    @app.get("/logged")
    def logged(after: BackgroundTasks) -> dict[str, str]:
        worker.warning("in the handler")
        after.add_task(worker.warning, "after the answer")
        return {}

    with TestClient(app) as test_client:
        test_client.get("/logged", headers={"X-Request-ID": "trace-me-42"})
        test_client.get("/logged")
    mine = [x for x in lines() if x["request_id"] == "trace-me-42"]
    # The access line is written once the answer is sent: before the work done after it.
    assert [(x["logger"], x["event"]) for x in mine] == [
        ("ehp_api.test", "in the handler"),
        ("ehp_api.access", "GET /logged 200"),
        ("ehp_api.test", "after the answer"),
    ]
    others = [x for x in lines() if x["request_id"] != "trace-me-42"]
    assert len(others) == 3
    assert len({x["request_id"] for x in others}) == 1
    assert all(x["time"].endswith("Z") and x["level"] for x in mine + others)


def test_the_access_line_names_the_route_the_key_and_its_organisation(
    session: Session, app: FastAPI, lines: Lines
) -> None:
    secret = builders.api_key(session, Role.partner, "HCR")
    with TestClient(app, headers=builders.bearer(secret)) as hcr:
        hcr.get("/api/v1/alerts/999999")
    [line] = access_lines(lines, "/api/v1/alerts/{alert_id}")
    assert line["method"] == "GET"
    assert line["status"] == 404
    assert line["principal"] == "api_key"
    assert line["key_prefix"] == secret[: len("ehpk_") + 8]
    assert line["organisation"] == "HCR"
    assert isinstance(line["duration_ms"], float)
    assert "user_id" not in line
    assert secret[len(line["key_prefix"]) :] not in json.dumps(lines())


def test_a_person_is_named_by_id_never_by_email(
    session: Session, app: FastAPI, lines: Lines
) -> None:
    person = builders.user(session, "logged.person@ocha.example")
    with TestClient(app) as anon:
        form = {"username": "logged.person@ocha.example", "password": "a long enough password"}
        token = anon.post("/api/v1/auth/token", data=form).json()["access_token"]
        anon.get("/api/v1/me", headers=builders.bearer(token))
    [line] = access_lines(lines, "/api/v1/me")
    assert (line["principal"], line["user_id"], line["organisation"]) == ("user", person.id, "OCHA")
    assert "logged.person" not in json.dumps(lines())
    assert token[5:] not in json.dumps(lines())


def test_an_anonymous_or_refused_caller_has_no_principal(
    anon_client: TestClient, lines: Lines
) -> None:
    anon_client.get("/api/v1/alerts", headers=builders.bearer("ehpk_0badc0de_not-a-real-secret"))
    [line] = access_lines(lines, "/api/v1/alerts")
    assert line["status"] == 401
    assert {"principal", "organisation"}.isdisjoint(line)
    assert "not-a-real-secret" not in json.dumps(lines())


def test_follow_up_codes_identities_and_descriptions_stay_out(
    hcr: TestClient, anon_client: TestClient, lines: Lines
) -> None:
    receipt = hcr.post(
        COMPLAINTS,
        json=complaint(
            description="MARKER-DESCRIPTION at the site",
            complainant=named(name="Markedname Zq", phone="+223 61 23 45 67"),
        ),
    ).json()
    code = receipt["follow_up_code"]
    anon_client.get(f"{COMPLAINTS}/follow-up/{code}")
    anon_client.get(f"{COMPLAINTS}/follow-up/{code}/nothing-here")
    text = json.dumps(lines())
    assert access_lines(lines, f"{COMPLAINTS}/follow-up/{{code}}")
    assert access_lines(lines, f"{COMPLAINTS}/follow-up/[redacted]/nothing-here")
    for marker in (code, "MARKER-DESCRIPTION", "Markedname", "61 23 45 67"):
        assert marker not in text


def test_a_line_is_redacted_whatever_logs_it(lines: Lines) -> None:
    logger = logging.getLogger("ehp_api.test")
    secret_key, token = "ehpk_1a2b3c4d_S3CR3T-PART", "ehpt_T0K3N-PART"
    logger.warning(
        "sent %s and %s for /api/v1/complaints/follow-up/ABCD-EFGH-1234?x=1",
        secret_key,
        token,
        extra={"narrative": "men came at night", "identity": {"name": "A"}, "alert_id": 7},
    )
    try:
        raise ValueError("while reading /complaints/follow-up/WXYZ-0000")
    except ValueError:
        logger.exception("failed")
    first, second = lines()
    assert first["event"] == (
        "sent ehpk_1a2b3c4d_[redacted] and ehpt_[redacted] for "
        "/api/v1/complaints/follow-up/[redacted]?x=1"
    )
    assert (first["narrative"], first["identity"], first["alert_id"]) == (
        "[redacted]",
        "[redacted]",
        7,
    )
    assert "follow-up/[redacted]" in second["exception"]
    assert "WXYZ" not in second["exception"]


def test_text_lines_carry_the_request_id_too() -> None:
    record = logging.LogRecord("ehp_api.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    from ehp_api.core.request_context import request_id_var

    token = request_id_var.set("rid-7")
    try:
        line = formatter("text").format(record)
    finally:
        request_id_var.reset(token)
    assert line.endswith(" INFO ehp_api.x [rid-7] hello you")
