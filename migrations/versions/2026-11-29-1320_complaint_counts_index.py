"""complaints: one index holds every column the referred-complaints indicators count by, so the
dashboard's cumulative counts read the index alone (it replaces the index on first_referred_on)

Revision ID: 7b2d4f6a8c1e
Revises: 5e8a0c2d4f6b
Create Date: 2026-11-29 13:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7b2d4f6a8c1e"
down_revision: str | None = "5e8a0c2d4f6b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "first_referred_on",
    "responded_on",
    "closed_on",
    "outcome",
    "category",
    "assistance_declined",
]


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_first_referred_on_counts", COLUMNS, unique=False)
        batch_op.drop_index("ix_complaints_first_referred_on")


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaints_first_referred_on", ["first_referred_on"], unique=False
        )
        batch_op.drop_index("ix_complaints_first_referred_on_counts")
