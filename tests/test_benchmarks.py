"""The benchmarks' volume is made from the seeded plan: the code `make bench`, `make
bench-volume` and `make bench-load` share runs here on a few rows, so that a change to what it
reads (a renamed field of the readings' lookups stopped all three once, unseen) fails the suite.
Writing the volume (COPY on PostgreSQL) and the timings are for the scripts themselves."""

import sys
from pathlib import Path

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import cpu_use
import load
import load_mix
import volume
import volume_records


def test_readings_rows_over_the_plans_keys(engine: Engine) -> None:
    rows = list(volume.readings(engine, 60))
    assert len(rows) == 60
    assert {len(row) for row in rows} == {len(volume.READING_COLUMNS)}
    natural_keys = [
        dict(zip(volume.READING_COLUMNS, row, strict=True))["natural_key"] for row in rows
    ]
    assert len(set(natural_keys)) == 60
    _, key_sets = volume.keys(engine)
    cercles, regions = key_sets[0][3], key_sets[1][3]
    assert cercles
    assert regions
    assert all(place.region_id != place.id for place in cercles)
    assert all(place.region_id == place.id for place in regions)


def test_alerts_and_complaints_rows_at_the_plans_cercles(engine: Engine) -> None:
    context = volume_records._context(engine, "alerts")
    pcodes = {place.pcode for place in context.cercles}
    assert pcodes
    assert all(len(pcode) > 4 for pcode in pcodes)
    alert, steps = volume_records._alert(0, context)
    assert alert["location_id"] in {place.id for place in context.cercles}
    assert steps
    deadlines = volume_records._deadlines(engine)
    complaint, _ = volume_records._complaint(
        1, volume_records._context(engine, "complaints"), deadlines
    )
    assert complaint["location_id"] in {place.id for place in context.cercles}


def test_the_load_benchmark_bounds_its_ratio_by_the_cpu_each_operation_takes() -> None:
    """Per operation served (100 in 1 s): the mix's 6.6 ms of server, 1.9 of PostgreSQL and 2.9 of
    clients (11.4) against the bare endpoint's 0.7, 0.1 and 1.0 (1.8): the ratio can reach
    1.8 / 11.4 = 0.16, and 1.8 / (1.9 + 2.9) = 0.38 with a server taking no CPU; 6.6 / 0.7 = 9.4."""
    served = [load_mix.Result("op", 200, 1.0) for _ in range(100)]
    mix = load.Step("mix", 4, 1.0, served, cpu_use.Use(0.66, 0.19, 1.0, 2.0), clients_cpu=0.29)
    bare = load.Step("bare", 2, 1.0, served, cpu_use.Use(0.07, 0.01, 1.0, 2.0), clients_cpu=0.10)
    assert load.bound_line(mix, bare) == (
        "CPU per operation, all processes: ceiling 1.8 ms, service 11.4 ms: ratio bound 0.16 "
        "(0.38 if the server took no CPU); the server's own: 9.4x the bare endpoint's"
    )
    unmeasured = load.Step("mix", 4, 1.0, served)
    assert load.bound_line(unmeasured, bare) is None
