"""audit confidential: mark events about confidential records, hidden from roles that may not read them

Revision ID: f2a6c8e0b4d7
Revises: e7c3b9d1a2f5
Create Date: 2026-11-29 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2a6c8e0b4d7"
down_revision: str | None = "e7c3b9d1a2f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not batch mode: recreating the table on SQLite would drop the
    # append-only triggers (and copying rows is what they exist to prevent).
    op.add_column(
        "audit_events",
        sa.Column("confidential", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE audit_events DROP COLUMN confidential")
    else:
        op.drop_column("audit_events", "confidential")
