"""readings: indicator readings, their history, and period locks

Revision ID: b7e2f9a3c5d8
Revises: a1c0e7d4b2f1
Create Date: 2026-11-29 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "b7e2f9a3c5d8"
down_revision: str | None = "a1c0e7d4b2f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "period_locks",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("locked_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_period_locks_period_id_periods")
        ),
        sa.PrimaryKeyConstraint("period_id", name=op.f("pk_period_locks")),
    )
    op.create_table(
        "readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("disaggregation", sa.JSON(), nullable=False),
        sa.Column("zone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=True),
        sa.Column("off_schedule", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "validated",
                "rejected",
                name="reading_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("rejection_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("external_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("reviewed_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_readings_indicator_id_indicators")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_readings_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_readings_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_readings_period_id_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_readings_natural_key")),
    )
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_readings_indicator_id"), ["indicator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_readings_location_id"), ["location_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_readings_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_readings_period_id"), ["period_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_readings_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_readings_zone"), ["zone"], unique=False)

    op.create_table(
        "reading_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("old_numerator", sa.Integer(), nullable=True),
        sa.Column("old_denominator", sa.Integer(), nullable=True),
        sa.Column("new_numerator", sa.Integer(), nullable=True),
        sa.Column("new_denominator", sa.Integer(), nullable=True),
        sa.Column("old_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("new_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["reading_id"],
            ["readings.id"],
            name=op.f("fk_reading_history_reading_id_readings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_history")),
    )
    with op.batch_alter_table("reading_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reading_history_reading_id"), ["reading_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reading_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reading_history_reading_id"))

    op.drop_table("reading_history")
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readings_zone"))
        batch_op.drop_index(batch_op.f("ix_readings_updated_at"))
        batch_op.drop_index(batch_op.f("ix_readings_period_id"))
        batch_op.drop_index(batch_op.f("ix_readings_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_readings_location_id"))
        batch_op.drop_index(batch_op.f("ix_readings_indicator_id"))

    op.drop_table("readings")
    op.drop_table("period_locks")
