"""idempotency keys: how each stored answer is kept (plain, sealed, or withheld), so that an
answer holding an API key's secret or a follow-up code is never stored in clear

Revision ID: 9d3f5b7c1e2a
Revises: 7b2d4f6a8c1e
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d3f5b7c1e2a"
down_revision: str | None = "7b2d4f6a8c1e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STORAGE = sa.Enum(
    "plain",
    "sealed",
    "withheld",
    name="storage",
    native_enum=False,
    create_constraint=True,
    length=40,
)


def upgrade() -> None:
    # Rows stored before this revision hold plain answers (readings batches and imports only).
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("response_storage", STORAGE, server_default="plain", nullable=False)
        )


def downgrade() -> None:
    # The earlier schema replays every row as plain: drop what it would misread.
    op.execute("DELETE FROM idempotency_keys WHERE response_storage <> 'plain'")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_idempotency_keys_storage"), type_="check")
        batch_op.drop_column("response_storage")
