"""The ordered list of what is seeded: reference data first, then the work plan that names it.

`core/seeding.py` is the framework (YAML files, upserts, the report); each domain's `seed.py`
loads its own tables with it; this module, above them all, says in which order.
"""

from pathlib import Path

from sqlmodel import Session

from ehp_api.alerts import seed as alerts_seed
from ehp_api.core.seeding import SeedReport, read_yaml, seed_dir
from ehp_api.indicators import seed as indicators_seed
from ehp_api.locations import seed as locations_seed
from ehp_api.organisations import seed as organisations_seed
from ehp_api.workplan import seed as workplan_seed


def load_all(session: Session, directory: Path | None = None) -> SeedReport:
    """Load every seed file, reference data first, then the work plan."""
    directory = directory or seed_dir()
    report = SeedReport()
    indicators_seed.load_categories(session, report, read_yaml(directory, "disaggregations.yaml"))
    organisations_seed.load(session, report, read_yaml(directory, "organisations.yaml"))
    locations_seed.load_locations(session, report, read_yaml(directory, "locations.yaml"))
    locations_seed.load_focus_areas(session, report, read_yaml(directory, "focus_areas.yaml"))
    workplan_seed.load(session, report, read_yaml(directory, "workplan.yaml"))
    alerts_seed.load_rules(session, report, read_yaml(directory, "trigger_rules.yaml"))
    return report
