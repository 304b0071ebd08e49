"""One row per scheduled job: when it is next due, and who runs it now."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from ehp_api.core.db import UTCDateTime


class ScheduledJob(SQLModel, table=True):
    """A worker runs the job when it moves `next_run_at` past now in one UPDATE whose condition
    is that the job is due and nobody runs it (`claimed_at` empty or older than the lease): of
    several workers, one updates the row, the others find it no longer due."""

    __tablename__ = "scheduled_jobs"

    name: str = Field(primary_key=True, max_length=40)
    next_run_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Set while a worker runs the job (its `claim`), cleared when the run ends.
    claim: str | None = Field(default=None, max_length=40)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_outcome: str | None = Field(default=None, max_length=10)  # "ok" or "failed"
