"""login refusals: logins refused by a rate limit, counted per (account, address) and summarised
in the audit log by `ehp-api purge-expired` instead of audited one by one

Revision ID: 8b41c7d2e9a6
Revises: 5f0c2a9d7e31
Create Date: 2026-12-05 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "8b41c7d2e9a6"
down_revision: str | None = "5f0c2a9d7e31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_refusals",
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account", "client_ip", name=op.f("pk_login_refusals")),
    )
    with op.batch_alter_table("login_refusals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_refusals_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("login_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_refusals_expires_at"))
    op.drop_table("login_refusals")
