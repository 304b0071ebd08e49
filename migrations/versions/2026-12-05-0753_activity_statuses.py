"""activity statuses: each lead organisation's word on how an activity goes in a quarter
(not_started, on_track, delayed, completed, cancelled), with a comment and evidence links;
the secretariat may amend it

Revision ID: e1ddf490c659
Revises: 3c9e5b7d1f24
Create Date: 2026-12-05 07:53:14.567515
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "e1ddf490c659"
down_revision: str | None = "3c9e5b7d1f24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "on_track",
                "delayed",
                "completed",
                "cancelled",
                name="activity_state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("reported_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("reported_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("amended_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("amended_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_statuses_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_activity_statuses_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_activity_statuses_period_id_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_statuses")),
        sa.UniqueConstraint(
            "activity_id",
            "period_id",
            "organisation_id",
            name=op.f("uq_activity_statuses_activity_id_period_id_organisation_id"),
        ),
    )
    with op.batch_alter_table("activity_statuses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_statuses_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_statuses_period_id"), ["period_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("activity_statuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_statuses_period_id"))
        batch_op.drop_index(batch_op.f("ix_activity_statuses_activity_id"))

    op.drop_table("activity_statuses")
