"""alerts location id index: a place's alerts read in id order through (location, id), which
replaces the index on the place alone

Revision ID: 5d0b6c2f8a41
Revises: e359caaeae78
Create Date: 2026-12-06 11:36:00

The alerts list filtered by a place (a cercle's analysts, 50 a page) is read in id order. With
the place's index alone, PostgreSQL walked the alerts in id order and filtered out every other
place's: about 3,000 rows read for a page of 50 in a volume of 10,000 alerts. The new index
leads with the place, so it serves what the old one did.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d0b6c2f8a41"
down_revision: str | None = "e359caaeae78"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_location_id"))
        batch_op.create_index("ix_alerts_location_id_id", ["location_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_location_id_id")
        batch_op.create_index(batch_op.f("ix_alerts_location_id"), ["location_id"], unique=False)
