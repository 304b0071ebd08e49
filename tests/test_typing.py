"""The mypy plugin of scripts/mypy_sqlmodel.py: a table's field read on the class is typed as a
column; an instance's field and a non-table model's field keep their types.

`make typecheck` (in CI) shows the plugin lets `src/` pass; this shows it does so without
hiding errors it should not hide."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = """from ehp_api.periods.models import Period, PeriodBase, PeriodLock


def read(period: Period) -> None:
    reveal_type(Period.id)  # 5
    reveal_type(Period.year)  # 6
    reveal_type(PeriodLock.reason)  # 7
    reveal_type(PeriodBase.year)  # 8
    reveal_type(period.id)  # 9
    reveal_type(period.year)  # 10
    period.year.in_([2021])  # 11
    Period.year.in_([2021]).desc()  # 12
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    folder = tmp_path_factory.mktemp("typing")
    (folder / "snippet.py").write_text(SNIPPET)
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
    command += ["--cache-dir", str(folder / "cache"), "--no-error-summary", "snippet.py"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    lines = {}
    for line in done.stdout.splitlines():
        found = re.match(r"snippet\.py:(\d+): (?:note|error): (.*)", line)
        assert found, line
        lines[int(found[1])] = found[2]
    return lines


COLUMN = "sqlalchemy.orm.attributes.InstrumentedAttribute"


def test_a_tables_field_read_on_the_class_is_a_column(mypy_output: dict[int, str]) -> None:
    assert mypy_output[6] == f'Revealed type is "{COLUMN}[int]"'
    assert mypy_output[7] == f'Revealed type is "{COLUMN}[str | None]"'
    assert 12 not in mypy_output


def test_a_primary_key_read_on_the_class_selects_no_none(mypy_output: dict[int, str]) -> None:
    assert mypy_output[5] == f'Revealed type is "{COLUMN}[int]"'


def test_instances_and_non_table_models_keep_their_types(mypy_output: dict[int, str]) -> None:
    assert mypy_output[8] == 'Revealed type is "int"'
    assert mypy_output[9] == 'Revealed type is "int | None"'
    assert mypy_output[10] == 'Revealed type is "int"'
    assert mypy_output[11] == '"int" has no attribute "in_"  [attr-defined]'
