"""indicator targets: the baselines and yearly targets (optionally per zone) the secretariat sets
for an indicator; the work plan sets none

Revision ID: 3c9e5b7d1f24
Revises: 8d41c7a2e9b0
Create Date: 2026-12-05 07:48:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "3c9e5b7d1f24"
down_revision: str | None = "8d41c7a2e9b0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns(table: str, *own: sa.Column) -> list[sa.Column | sa.Constraint]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        *own,
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("set_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f(f"fk_{table}_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    zone = sa.Column("zone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
    op.create_table(
        "indicator_baselines",
        *_columns(
            "indicator_baselines",
            zone,
            sa.Column("value", sa.Float(), nullable=False),
            sa.Column("measured_on", sa.Date(), nullable=True),
        ),
    )
    op.create_table(
        "indicator_targets",
        *_columns(
            "indicator_targets",
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("zone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
            sa.Column("value", sa.Float(), nullable=False),
        ),
    )
    for table in ("indicator_baselines", "indicator_targets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_indicator_id"), ["indicator_id"], unique=False
            )


def downgrade() -> None:
    for table in ("indicator_targets", "indicator_baselines"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_indicator_id"))
        op.drop_table(table)
