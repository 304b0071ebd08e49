"""scheduled_jobs: the worker's scheduled jobs, one row each (when next due, who runs it now)

Revision ID: 5c2e8f1a9b73
Revises: a7e3c915d2b4
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "5c2e8f1a9b73"
down_revision: str | None = "a7e3c915d2b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("next_run_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claim", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("claimed_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_jobs")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_jobs")
