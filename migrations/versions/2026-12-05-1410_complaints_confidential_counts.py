"""complaints: the counts index holds `sensitive` (every figure but one leaves the confidential
complaints out for most readers), and a Kobo submission's uuid is kept within the organisation
that sent it (`<organisation id>:<uuid>`), so one organisation's submission never meets another's

Revision ID: 6d1f3b8e0a57
Revises: 3c9e5a7b1d24
Create Date: 2026-12-05 14:10:00

A stored uuid longer than 80 characters (Kobo's are 36, or 41 as `uuid:...`; the intake now
refuses longer ones) is left as it was: its key would not fit, and a resend of it makes a new
complaint.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6d1f3b8e0a57"
down_revision: str | None = "3c9e5a7b1d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_complaints_first_referred_on_counts"
COLUMNS = [
    "first_referred_on",
    "responded_on",
    "closed_on",
    "outcome",
    "category",
    "assistance_declined",
]


def upgrade() -> None:
    op.drop_index(INDEX, table_name="complaints")
    op.create_index(INDEX, "complaints", [*COLUMNS, "sensitive"], unique=False)
    op.execute(
        "UPDATE complaints SET kobo_uuid = "
        "CAST(recorded_by_organisation_id AS VARCHAR(12)) || ':' || kobo_uuid "
        "WHERE kobo_uuid IS NOT NULL AND length(kobo_uuid) <= 80"
    )


def downgrade() -> None:
    prefix = "CAST(recorded_by_organisation_id AS VARCHAR(12)) || ':'"
    op.execute(
        f"UPDATE complaints SET kobo_uuid = substr(kobo_uuid, length({prefix}) + 1) "  # noqa: S608 (no input)
        f"WHERE kobo_uuid LIKE {prefix} || '%'"
    )
    op.drop_index(INDEX, table_name="complaints")
    op.create_index(INDEX, "complaints", COLUMNS, unique=False)
