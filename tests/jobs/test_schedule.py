"""Schedules as the settings give them: an interval (0: off) or a daily time in UTC (empty: off)."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from ehp_api.core.config import Settings
from ehp_api.jobs import tasks
from ehp_api.jobs.service import daily, every

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_an_interval_job_is_due_at_once_then_every_interval() -> None:
    schedule = every(3600)
    assert schedule is not None
    assert schedule.first(NOON) == NOON
    assert schedule.next_after(NOON) == NOON + timedelta(hours=1)


def test_a_daily_job_is_due_at_its_time_today_or_else_tomorrow() -> None:
    schedule = daily("06:00")
    assert schedule is not None
    assert schedule.first(NOON) == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    assert schedule.next_after(NOON.replace(hour=5)) == datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
    at_six = NOON.replace(hour=6)
    assert schedule.next_after(at_six) == at_six + timedelta(days=1)


def test_the_default_settings_switch_every_job_on() -> None:
    assert [job.name for job in tasks.from_settings(settings())] == [
        "purge_identities",
        "purge_expired",
        "purge_outbox",
        "overdue_digest",
    ]


def test_zero_or_an_empty_time_switches_a_job_off() -> None:
    off = settings(
        job_purge_identities_every_seconds=0,
        job_purge_outbox_every_seconds=0,
        job_overdue_digest_at="",
    )
    assert [job.name for job in tasks.from_settings(off)] == ["purge_expired"]


@pytest.mark.parametrize("value", ["25:00", "6:00", "06:00:00", "noon"])
def test_a_digest_time_that_is_no_hh_mm_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="job_overdue_digest_at"):
        settings(job_overdue_digest_at=value)
