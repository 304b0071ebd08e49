"""The quarterly note's generation time on a realistic volume (issue 17: under 5 s).

.venv/bin/python benchmarks/quarterly_note.py [--url URL | --rows 1000000 --alerts 100000
    --complaints 100000] [--repeat 5] [--keep]

Builds the volume database with `volume.build` (or reuses `--url`, a database kept by
`volume.py --keep`), then times `GET /api/v1/reports/quarterly/2021Q2.docx` in-process through
the full request path, for the secretariat and for an analyst: "recomputed" after the kept
dashboards are deleted (the first download after a write: four quarters' dashboards computed,
then the charts and the document), "kept" with them in place. Prints seconds (median and max)
and the file's size.
"""

import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from dashboard import secret
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.models import build_engine

TARGET_S = 5.0
URL = "/api/v1/reports/quarterly/2021Q2.docx"


def forget(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM dashboard_snapshots")


def seconds(
    client: Any, repeat: int, before: Callable[[], None] | None = None
) -> tuple[list[float], int]:
    result, size = [], 0
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(URL, params={"lang": "fr"})
        result.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
        size = len(response.content)
    return result, size


def run(url: str, repeat: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    settings = Settings(database_url=url, log_level="warning", _env_file=None)
    engine = build_engine(settings)
    app = create_app(settings)
    print(f"\n{repeat} downloads each, in-process; target: recomputed under {TARGET_S} s")
    print(f"{'caller, dashboards':<34}{'median s':>10}{'max s':>8}{'bytes':>10}")
    for role in (Role.secretariat, Role.analyst):
        headers = {"Authorization": f"Bearer {secret(settings, role)}"}
        with TestClient(app, headers=headers) as client:
            client.get(URL)  # warm-up: fonts, the catalog, imports
            for label, before in (("recomputed", lambda: forget(engine)), ("kept", None)):
                values, size = seconds(client, repeat, before)
                median = statistics.median(values)
                verdict = "PASS" if label == "kept" or median < TARGET_S else "FAIL"
                print(f"{role.value + ', ' + label:<34}{median:>10.2f}{max(values):>8.2f}"
                      f"{size:>10,} {verdict}")  # fmt: skip
    engine.dispose()


def main() -> None:
    import volume

    volume.run_on_volume(__doc__.splitlines()[0], run, repeat=5)


if __name__ == "__main__":
    main()
