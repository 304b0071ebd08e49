"""reference stamp: the version of the reference data (plan, organisations, places, periods),
raised by every transaction that changes them; workers keep their answers while it stands

Revision ID: 5f0c2a9d7e31
Revises: e1ddf490c659
Create Date: 2026-12-05 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f0c2a9d7e31"
down_revision: str | None = "e1ddf490c659"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    stamp = op.create_table(
        "reference_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(stamp, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("reference_stamp")
