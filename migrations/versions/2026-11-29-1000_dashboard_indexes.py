"""dashboard indexes: alert steps reached in a date range or by one alert, complaints responded
in a date range

Revision ID: 3c1d5e7f9a2b
Revises: 275f5363fe37
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3c1d5e7f9a2b"
down_revision: str | None = "275f5363fe37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_events_to_status"))
        batch_op.create_index("ix_alert_events_to_status_on", ["to_status", "on"], unique=False)
        batch_op.drop_index(batch_op.f("ix_alert_events_alert_id"))
        batch_op.create_index(
            "ix_alert_events_alert_id_to_status", ["alert_id", "to_status"], unique=False
        )

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaints_responded_on"), ["responded_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_responded_on"))

    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_alert_id_to_status")
        batch_op.create_index(batch_op.f("ix_alert_events_alert_id"), ["alert_id"], unique=False)
        batch_op.drop_index("ix_alert_events_to_status_on")
        batch_op.create_index(batch_op.f("ix_alert_events_to_status"), ["to_status"], unique=False)
