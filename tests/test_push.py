"""`ehp-api push` against the real app: batches, idempotency keys, retries, the summary."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from ehp_api.cli import app as cli
from ehp_api.core.permissions import Role
from ehp_api.readings.models import Reading
from ehp_partner import push
from tests import builders

HEADER = "indicator,period,adm2,value"
ROWS = [f"1.1.1.1,2021Q2,{pcode},4" for pcode in ("ML0701", "ML0702", "ML0703", "ML0501")]
BAD = "1.1.1.1,2021Q2,ML0502,-1"


class Wire(httpx.BaseTransport):
    """The app behind a network that records the keys sent and fails as it is told to."""

    def __init__(self, app: FastAPI, failures: list[Any] | None = None) -> None:
        self.inner = TestClient(app, raise_server_exceptions=False)._transport
        self.failures, self.keys = failures or [], []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("Idempotency-Key"))
        failure = self.failures.pop(0) if self.failures else None
        if failure == "refused":
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(failure, int):
            return httpx.Response(failure, headers={"Retry-After": "7"})
        response = self.inner.handle_request(request)
        if failure == "lost":  # the server did the work; its answer never arrived
            raise httpx.ReadTimeout("timed out", request=request)
        return response


def client(wire: Wire, secret: str) -> httpx.Client:
    return httpx.Client(
        transport=wire, base_url="http://testserver", headers=builders.bearer(secret)
    )


@pytest.fixture
def secret(session: Session) -> str:
    return builders.api_key(session, Role.partner, "HCR")


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    def write(*rows: str, header: str = HEADER) -> Path:
        path = tmp_path / "readings.csv"
        path.write_text("\n".join([header, *rows]), encoding="utf-8")
        return path

    return write


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


def run(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, wire: Wire, *args: str
) -> Any:  # click's Result
    monkeypatch.setattr(push, "make_client", lambda url, key, timeout: client(wire, key))
    return CliRunner().invoke(cli, ["push", *args, "--url", "https://ehp.example.org"])


class TestCommand:
    def test_batches_are_sent_and_summed_up(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, secret: str, csv_file: Any,
        session: Session,
    ) -> None:  # fmt: skip
        wire = Wire(app)
        path = csv_file(*ROWS[:2], BAD, *ROWS[2:])
        args = [str(path), "--api-key", secret, "--batch-size", "2", "--mode", "partial"]
        result = run(app, monkeypatch, wire, *args)
        assert result.exit_code == 1, result.output  # a row was refused
        assert "3 batch(es): created 4, updated 0, unchanged 0, rejected 1" in result.stdout
        assert "row 4: value [count_required]" in result.stdout  # header, then rows 2, 3, 4
        assert stored(session) == 4
        assert len(set(wire.keys)) == 3

    def test_a_rerun_sends_the_same_keys_and_stores_nothing_twice(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, secret: str, csv_file: Any,
        session: Session,
    ) -> None:  # fmt: skip
        wire = Wire(app)
        args = [str(csv_file(*ROWS)), "--api-key", secret, "--batch-size", "3"]
        assert run(app, monkeypatch, wire, *args).exit_code == 0
        first_keys = list(wire.keys)
        again = run(app, monkeypatch, wire, *args)
        assert again.exit_code == 0
        assert wire.keys[2:] == first_keys
        assert "2 batch(es) had already been sent" in again.stdout
        assert stored(session) == 4

    def test_the_key_may_come_from_the_environment_and_period_fills_rows(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, secret: str, csv_file: Any,
        session: Session,
    ) -> None:  # fmt: skip
        monkeypatch.setenv("EHP_API_KEY", secret)
        path = csv_file("1.1.1.1,ML0701,3", header="indicator,adm2,value")
        result = run(app, monkeypatch, Wire(app), str(path), "--period", "2021Q3")
        assert result.exit_code == 0, result.output
        assert session.exec(select(Reading.numerator)).all() == [3]

    def test_an_atomic_batch_with_a_refused_row_stores_nothing_of_it(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, secret: str, csv_file: Any,
        session: Session,
    ) -> None:  # fmt: skip
        args = [str(csv_file(*ROWS[:2], BAD, ROWS[2])), "--api-key", secret, "--batch-size", "2"]
        result = run(app, monkeypatch, Wire(app), *args)
        assert result.exit_code == 1
        assert "1 valid row(s) not stored" in result.stdout
        assert stored(session) == 2

    def test_dry_run_sends_no_key_and_writes_nothing(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, secret: str, csv_file: Any,
        session: Session,
    ) -> None:  # fmt: skip
        wire = Wire(app)
        result = run(app, monkeypatch, wire, str(csv_file(*ROWS)), "--api-key", secret, "--dry-run")
        assert result.exit_code == 0
        assert "Dry run: nothing was written." in result.stdout
        assert (wire.keys, stored(session)) == ([None], 0)

    @pytest.mark.parametrize(
        ("key", "period", "message"),
        [("ehpk_wrong", None, "HTTP 401"), (None, "2021-Q2", "--period"), (None, None, "colour")],
    )
    def test_errors_exit_with_2(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, secret: str, csv_file: Any,
        key: str | None, period: str | None, message: str,
    ) -> None:  # fmt: skip
        path = csv_file(*ROWS) if message != "colour" else csv_file("x", header="colour")
        args = [str(path), "--api-key", key or secret, *(["--period", period] if period else [])]
        result = run(app, monkeypatch, Wire(app), *args)
        assert result.exit_code == 2
        assert message in result.stderr


class TestRetries:
    def test_network_errors_and_5xx_are_retried_with_backoff(
        self, app: FastAPI, secret: str, csv_file: Any, session: Session
    ) -> None:
        wire, sleeps = Wire(app, ["refused", 503]), []
        upload = push.read_file(csv_file(*ROWS))
        outcome = push.push(client(wire, secret), upload, push.Options(), sleep=sleeps.append)
        assert sleeps == [1.0, 7.0]  # backoff, then the server's Retry-After
        assert len(set(wire.keys)) == 1
        assert (outcome.counts["created"], stored(session)) == (4, 4)

    def test_a_lost_answer_is_replayed_not_written_again(
        self, app: FastAPI, secret: str, csv_file: Any, session: Session
    ) -> None:
        wire = Wire(app, ["lost"])
        upload = push.read_file(csv_file(*ROWS))
        outcome = push.push(client(wire, secret), upload, push.Options(), sleep=lambda s: None)
        assert (outcome.replayed, outcome.counts["created"], stored(session)) == (1, 4, 4)

    def test_it_gives_up_after_max_attempts(self, app: FastAPI, secret: str, csv_file: Any) -> None:
        wire = Wire(app, [502, 502, 502])
        options = push.Options(max_attempts=3)
        with pytest.raises(push.PushError, match="Gave up after 3 attempts"):
            push.push(
                client(wire, secret), push.read_file(csv_file(*ROWS)), options, sleep=lambda s: None
            )

    def test_retry_after_as_a_date(self) -> None:
        response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
        assert push._retry_after(response) == 0.0  # in the past
        assert push._retry_after(httpx.Response(429, headers={"Retry-After": "12"})) == 12.0
