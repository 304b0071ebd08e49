"""sync: tombstones (records deleted, or gone from some reader's view, with who could see them),
and the alerts' and complaints' lists by change (`updated_at`, then `id`)

Revision ID: 63aba5479117
Revises: 6d1f3b8e0a57
Create Date: 2026-12-05 17:00:00

Readings, alerts and complaints already carry `updated_at`; readings have its index. No
tombstone is made for what was removed before this revision: a client that synced then reads
the lists whole once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ehp_api.core.db

revision: str = "63aba5479117"
down_revision: str | None = "6d1f3b8e0a57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("removed_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("other_organisation_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstones")),
    )
    op.create_index("ix_tombstones_removed_at_id", "tombstones", ["removed_at", "id"])
    op.create_index("ix_alerts_updated_at_id", "alerts", ["updated_at", "id"])
    op.create_index("ix_complaints_updated_at_id", "complaints", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_complaints_updated_at_id", table_name="complaints")
    op.drop_index("ix_alerts_updated_at_id", table_name="alerts")
    op.drop_index("ix_tombstones_removed_at_id", table_name="tombstones")
    op.drop_table("tombstones")
