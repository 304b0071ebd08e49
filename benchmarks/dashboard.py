"""The dashboard's latency on a realistic volume, against a trivial request in the same run.

.venv/bin/python benchmarks/dashboard.py [--url URL | --rows 1000000 --alerts 100000
    --complaints 100000] [--repeat 30] [--keep]

Builds the volume database with `volume.build` (or reuses `--url`), then times, in-process
through the full request path (authentication, session, serialisation), `GET /api/v1/dashboard`
for a quarter and for a year, and `GET /healthz`-like baseline `GET /api/v1/periods/2021Q2` (one
primary-key read). Prints the median and p95 of each and the ratio to the baseline. Target:
median under 150 ms for a quarter on PostgreSQL.
"""

import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from ehp_api.access import service as access_service
from ehp_api.access.schemas import ApiKeyCreate
from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal
from ehp_api.main import create_app
from ehp_api.models import build_engine

TARGET_MS = 150


def secret(settings: Settings, role: Role) -> str:
    engine = build_engine(settings)
    with Session(engine) as session, session.begin():
        data = ApiKeyCreate(
            name=f"dashboard benchmark {role}", organisation="OCHA", role=role, expires_in_days=None
        )
        key = access_service.create_api_key(session, system_principal(), data).secret
    engine.dispose()
    return key


def timings(
    client: Any,
    path: str,
    params: dict[str, str],
    repeat: int,
    before: Callable[[], None] | None = None,
) -> list[float]:
    client.get(path, params=params)  # warm-up
    result = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(path, params=params)
        result.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return result


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def run(url: str, repeat: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    settings = Settings(database_url=url, log_level="warning", _env_file=None)
    engine = build_engine(settings)

    def forget() -> None:  # a cold call: the kept dashboards are gone, as after a write
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM dashboard_snapshots")

    quarter, year = {"period": "2021Q2"}, {"period": "2021"}
    cases = [
        ("baseline: one period by code", "/api/v1/periods/2021Q2", {}, None),
        ("dashboard 2021Q2, kept", "/api/v1/dashboard", quarter, None),
        ("dashboard 2021, kept", "/api/v1/dashboard", year, None),
        ("dashboard 2021Q2, recomputed", "/api/v1/dashboard", quarter, forget),
        ("dashboard 2021, recomputed", "/api/v1/dashboard", year, forget),
    ]
    headers = {"Authorization": f"Bearer {secret(settings, Role.secretariat)}"}
    with TestClient(create_app(settings), headers=headers) as client:
        results = [
            (label, timings(client, path, params, repeat, before))
            for label, path, params, before in cases
        ]
    engine.dispose()
    base = statistics.median(results[0][1])
    print(f"\n{repeat} calls each, in-process, PostgreSQL; target: quarter median < {TARGET_MS} ms")
    print(f"{'request':<34}{'median ms':>10}{'p95 ms':>9}{'x baseline':>12}")
    for label, values in results:
        median = statistics.median(values)
        print(f"{label:<34}{median:>10.1f}{p95(values):>9.1f}{median / base:>12.1f}")
    for label, values in (results[1], results[3]):
        verdict = "PASS" if statistics.median(values) < TARGET_MS else "FAIL"
        print(f"{label}: {verdict}")
    print("kept: served from the snapshot computed after the last write (every worker shares it);")
    print("recomputed: the first call after a write, from all the readings, alerts and complaints.")


def main() -> None:
    import volume

    volume.run_on_volume(__doc__.splitlines()[0], run, repeat=30)


if __name__ == "__main__":
    main()
