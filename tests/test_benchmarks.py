"""The benchmarks' volume is made from the seeded plan: the code `make bench`, `make
bench-volume` and `make bench-load` share runs here on a few rows, so that a change to what it
reads (a renamed field of the readings' lookups stopped all three once, unseen) fails the suite.
Writing the volume (COPY on PostgreSQL) and the timings are for the scripts themselves."""

import sys
from pathlib import Path

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

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
