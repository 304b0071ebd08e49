"""alert events carry their alert's Liptako Gourma flag: the computed indicators count steps
from the index alone, without joining alerts

Revision ID: 5e8a0c2d4f6b
Revises: 3c1d5e7f9a2b
Create Date: 2026-11-29 11:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e8a0c2d4f6b"
down_revision: str | None = "3c1d5e7f9a2b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("liptako_gourma", sa.Boolean(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE alert_events SET liptako_gourma = "
        "(SELECT alerts.liptako_gourma FROM alerts WHERE alerts.id = alert_events.alert_id)"
    )
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_to_status_on")
        batch_op.create_index(
            "ix_alert_events_to_status_on", ["to_status", "on", "liptako_gourma"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_to_status_on")
        batch_op.create_index("ix_alert_events_to_status_on", ["to_status", "on"], unique=False)
        batch_op.drop_column("liptako_gourma")
