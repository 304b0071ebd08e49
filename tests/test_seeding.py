"""`ehp-api seed` is idempotent, and an edited seed file updates the database."""

import shutil
from pathlib import Path

import yaml
from sqlmodel import Session, select

from ehp_api import seeds
from ehp_api.core import seeding
from ehp_api.organisations.models import Organisation
from ehp_api.workplan.models import Activity, ActivityActor


def _edited_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "seed"
    shutil.copytree(seeding.seed_dir(), directory, ignore=shutil.ignore_patterns("source"))
    plan_file = directory / "workplan.yaml"
    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    activity = plan["axes"][0]["objectives"][0]["activities"][0]
    activity["title_en"] = "Protection is a standing item of the HCT agenda"
    activity["other_actors"] = activity["other_actors"][:1]
    plan_file.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return directory


def test_a_second_run_changes_nothing(session: Session) -> None:
    report = seeds.load_all(session)
    assert not report.changed
    assert report.counts["indicators"] == {"unchanged": 54}


def test_an_edited_file_updates_the_database(session: Session, tmp_path: Path) -> None:
    report = seeds.load_all(session, _edited_copy(tmp_path))
    assert report.counts["activities"]["updated"] == 1
    assert report.counts["activity_actors"]["deleted"] == 1
    activity = session.exec(select(Activity).where(Activity.code == "1.1.1")).one()
    assert activity.title_en == "Protection is a standing item of the HCT agenda"
    actors = session.exec(select(ActivityActor).where(ActivityActor.activity_id == activity.id))
    assert len(actors.all()) == 1


def test_seed_keeps_records_it_does_not_describe(session: Session) -> None:
    session.add(Organisation(code="NRC", name_fr="Conseil norvégien pour les réfugiés", kind="ngo"))
    session.flush()
    seeds.load_all(session)
    assert session.exec(select(Organisation).where(Organisation.code == "NRC")).one()
