"""The partner kit against the real service (`ehp-api serve`, a subprocess on a fresh database):
the client's pages, batches, alerts and problems, and `ehp-push` as a partner runs it."""

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ehp_api.cli import app as server_cli
from ehp_partner import ApiError, BatchRefused, Client
from ehp_partner import cli as kit_cli
from tests.e2e._server import Server, serve
from tests.e2e.harness import fenced_blocks

REPO = Path(__file__).resolve().parents[2]


def reading(location: str, value: Any = 4, period: str = "2021Q2") -> dict[str, Any]:
    return {"indicator": "1.1.1.1", "period": period, "location": location, "value": value}


ALERT = {
    "kind": "ewrr",
    "category": "attack_on_civilians",
    "location": "ML0701",
    "occurred_on": "2021-05-02",
    "reported_on": "2021-05-03",
    "severity": 4,
    "affected_group": "idps",
    "affected_people": 120,
    "narrative": "Armed men entered the site at night.",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("partner")) as running:
        yield running


@pytest.fixture(scope="module")
def secret(server: Server) -> str:
    return server.api_key("HCR", "partner", "partner kit")


@pytest.fixture
def ehp(server: Server, secret: str) -> Iterator[Client]:
    with Client(server.base_url + "/api/v1", secret) as client:
        yield client


class TestClient:
    def test_a_batch_gives_its_per_row_summary_and_a_replay_writes_nothing(
        self, ehp: Client
    ) -> None:
        rows = [reading(p) for p in ("ML0701", "ML0702", "ML0703")]
        first = ehp.post_readings(rows, idempotency_key="kit-batch-1")
        assert (first.created, first.rejected, first.written, first.replayed) == (3, 0, True, False)
        assert [r.outcome for r in first.results] == ["created"] * 3
        again = ehp.post_readings(rows, idempotency_key="kit-batch-1")
        assert again.replayed
        assert [r.id for r in again.results] == [r.id for r in first.results]

    def test_pages_follow_the_cursor_to_the_end(self, ehp: Client) -> None:
        ehp.post_readings([reading(p) for p in ("ML0501", "ML0502")], idempotency_key="kit-pages")
        page = ehp.readings(limit=2)
        assert (len(page.items), page.limit) == (2, 2)
        assert page.next_cursor is not None
        following = ehp.readings(limit=2, cursor=page.next_cursor)
        assert {r["id"] for r in following.items}.isdisjoint(r["id"] for r in page.items)
        every = list(ehp.all(ehp.readings, limit=2))
        assert len(every) == len({r["id"] for r in every}) >= 5

    def test_an_atomic_batch_refused_whole_carries_its_problem_and_summary(
        self, ehp: Client
    ) -> None:
        rows = [reading("ML0601", period="2022Q1"), reading("ML0602", value=-1, period="2022Q1")]
        with pytest.raises(BatchRefused) as refused:
            ehp.post_readings(rows, idempotency_key="kit-refused")
        problem, summary = refused.value.problem, refused.value.summary
        assert (problem.status, problem.type) == (422, "/problems/batch-refused")
        assert (summary.rejected, summary.not_stored, summary.written) == (1, 1, False)
        assert summary.conflicts[0].rows == [1]
        assert summary.conflicts[0].field == "value"
        partial = ehp.post_readings(rows, idempotency_key="kit-partial", mode="partial")
        assert (partial.created, partial.rejected) == (1, 1)

    def test_an_alert_is_posted_and_listed(self, ehp: Client) -> None:
        alert = ehp.post_alert(ALERT, idempotency_key="kit-alert")
        assert alert["id"] >= 1
        assert ehp.post_alert(ALERT, idempotency_key="kit-alert")["id"] == alert["id"]
        listed = list(ehp.all(ehp.alerts, limit=1))
        assert alert["id"] in {a["id"] for a in listed}

    def test_a_refusal_is_an_api_error_naming_field_and_reason(self, ehp: Client) -> None:
        with pytest.raises(ApiError) as refused:
            ehp.post_alert({**ALERT, "severity": 9})
        problem = refused.value.problem
        assert problem.status == 422
        assert [e.field for e in problem.errors] == ["severity"]
        assert problem.errors[0].reason
        assert "severity" in str(refused.value)

    def test_a_wrong_key_is_a_401_problem(self, server: Server) -> None:
        with Client(server.base_url, "ehpk_wrong") as stranger, pytest.raises(ApiError) as refused:
            stranger.readings()
        assert refused.value.problem.status == 401
        assert refused.value.problem.detail


def ehp_push(*args: str) -> subprocess.CompletedProcess[str]:
    """The `ehp-push` command as partner/pyproject.toml installs it (its entry point), in a
    process that sees the kit's folder and not the server's `src/`."""
    scripts = tomllib.loads((REPO / "partner/pyproject.toml").read_text())["project"]["scripts"]
    module, attribute = scripts["ehp-push"].split(":")
    env = {**os.environ, "PYTHONPATH": str(REPO / "partner/src")}
    run = f"import sys, {module}; sys.argv[0] = 'ehp-push'; {module}.{attribute}()"
    return subprocess.run(
        [sys.executable, "-c", run, *args], env=env, capture_output=True, text=True, timeout=120
    )


def workbook(path: Path, *rows: tuple[Any, ...]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "readings"
    for row in (("indicator", "period", "adm2", "value"), *rows):
        sheet.append(row)
    book.save(path)
    return path


class TestPush:
    def test_a_spreadsheet_is_pushed_in_batches_and_a_rerun_stores_nothing_twice(
        self, server: Server, secret: str, ehp: Client, tmp_path: Path
    ) -> None:
        rows = [("1.1.1.1", "2022Q2", p, 7) for p in ("ML0701", "ML0702", "ML0703")]
        path = workbook(tmp_path / "hcr.xlsx", *rows)
        args = [str(path), "--url", server.base_url, "--api-key", secret, "--batch-size", "2"]
        done = ehp_push(*args)
        assert done.returncode == 0, done.stderr
        assert "2 batch(es): created 3, updated 0, unchanged 0, rejected 0" in done.stdout
        again = ehp_push(*args)
        assert again.returncode == 0, again.stderr
        assert "2 batch(es) had already been sent" in again.stdout
        stored = [r for r in ehp.all(ehp.readings, period="2022Q2") if r["value"] == 7]
        assert len(stored) == 3

    def test_refused_rows_are_named_by_their_line_and_exit_1(
        self, server: Server, secret: str, tmp_path: Path
    ) -> None:
        rows = [("1.1.1.1", "2022Q3", "ML0701", 2), ("1.1.1.1", "2022Q3", "ML0702", -1)]
        path = workbook(tmp_path / "bad.xlsx", *rows)
        done = ehp_push(str(path), "--url", server.base_url, "--api-key", secret)
        assert done.returncode == 1, done.stderr
        assert "1 valid row(s) not stored" in done.stdout
        assert "row 3: value [count_required]" in done.stdout

    def test_a_file_refused_locally_exits_2_naming_the_file(
        self, server: Server, secret: str, tmp_path: Path
    ) -> None:
        path = tmp_path / "colour.csv"
        path.write_text("colour\nred\n", encoding="utf-8")
        done = ehp_push(str(path), "--url", server.base_url, "--api-key", secret)
        assert done.returncode == 2
        assert "error: colour.csv: unknown column 'colour'" in done.stderr
        assert "  file: unknown column 'colour'" in done.stderr


def test_ehp_api_push_is_the_kits_command() -> None:
    """One implementation: the server's `push` is the kit's function, not a copy."""
    [command] = [c for c in server_cli.registered_commands if c.name == "push"]
    assert command.callback is kit_cli.push_file


def test_the_guides_python_example_runs_as_written(server: Server, secret: str) -> None:
    [block] = fenced_blocks(REPO / "docs/partners.md", "python")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "partner/src"),
        "EHP_URL": server.base_url,
        "EHP_API_KEY": secret,
    }
    done = subprocess.run(
        [sys.executable, "-c", block.body], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("alert ")
