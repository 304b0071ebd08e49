"""reading validated values: the last validated value of a reading (what the figures count, also
while a correction waits for review), who last changed a reading, and every other field a change
replaced, in its history

Revision ID: f333ce66b125
Revises: 55ecbfdf18be
Create Date: 2026-12-05 07:46:07.547577
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "f333ce66b125"
down_revision: str | None = "55ecbfdf18be"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("validated_numerator", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("validated_denominator", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True)
        )
    # Until now a validated reading's value was the validated value; a reading back in review
    # had lost it, and stays without one.
    op.execute(
        "UPDATE readings SET validated_numerator = numerator, "
        "validated_denominator = denominator WHERE status = 'validated'"
    )
    op.execute("UPDATE readings SET updated_by = created_by")

    with op.batch_alter_table("reading_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reading_history", schema=None) as batch_op:
        batch_op.drop_column("changes")

    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
        batch_op.drop_column("validated_denominator")
        batch_op.drop_column("validated_numerator")
