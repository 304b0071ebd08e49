"""sync every list: users and API keys by change, and when the reference data last changed

Users and API keys are listed by change (`updated_at`, then `id`; a key's `updated_at` is new);
`reference_stamp.changed_at` keeps the time of the reference data's last change.

Revision ID: 9b4e2d7c1a60
Revises: 78c21ecd0331
Create Date: 2026-12-05 19:00:00

A key's `updated_at` starts as its revocation time, or its creation time. `changed_at` starts
empty: a reference list asked `updated_since` is then answered whole, until the next change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ehp_api.core.db

revision: str = "9b4e2d7c1a60"
down_revision: str | None = "78c21ecd0331"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE api_keys SET updated_at = COALESCE(revoked_at, created_at)")
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column(
            "updated_at",
            existing_type=ehp_api.core.db.UTCDateTime(timezone=True),
            nullable=False,
        )
    op.create_index("ix_api_keys_updated_at_id", "api_keys", ["updated_at", "id"])
    op.create_index("ix_users_updated_at_id", "users", ["updated_at", "id"])
    with op.batch_alter_table("reference_stamp") as batch:
        batch.add_column(
            sa.Column("changed_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("reference_stamp") as batch:
        batch.drop_column("changed_at")
    op.drop_index("ix_users_updated_at_id", table_name="users")
    op.drop_index("ix_api_keys_updated_at_id", table_name="api_keys")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("updated_at")
