"""readings period organisation index: a partner's quarter read through (period, organisation,
id, status), which replaces the index on the period alone

Revision ID: e359caaeae78
Revises: b1470293bbc6
Create Date: 2026-12-06 03:42:20

The readings list and the exports filter a partner's quarter and read it in id order. With the
period's index alone, PostgreSQL read every organisation's readings of the quarter to find one
partner's, and read each row to see its status. The new index leads with the period, so it
serves what the old one did.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e359caaeae78"
down_revision: str | None = "b1470293bbc6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readings_period_id"))
        batch_op.create_index(
            "ix_readings_period_organisation",
            ["period_id", "organisation_id", "id", "status"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index("ix_readings_period_organisation")
        batch_op.create_index(batch_op.f("ix_readings_period_id"), ["period_id"], unique=False)
