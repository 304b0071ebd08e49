"""reading totals: validated totals per indicator, period, organisation and zone, kept at
write time for the dashboard (filled here from the readings already stored)

Revision ID: 275f5363fe37
Revises: a9b8c7d6e5f4
Create Date: 2026-11-29 09:46:17.531085
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "275f5363fe37"
down_revision: str | None = "a9b8c7d6e5f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The rule of ehp_api.readings.totals, frozen here as it stood when the table was made.
FILL = """
INSERT INTO reading_totals
    (indicator_id, period_id, organisation_id, zone, numerator, denominator, records)
SELECT r.indicator_id, r.period_id, r.organisation_id, r.zone,
       SUM(r.numerator), SUM(r.denominator), COUNT(*)
FROM readings r JOIN periods p ON p.id = r.period_id
WHERE r.status = 'validated'
  AND (r.natural_key LIKE '%|' OR (r.natural_key LIKE '%|zone=%' AND r.natural_key NOT LIKE '%,%'))
  AND (p.kind = 'quarter' OR NOT EXISTS (
      SELECT 1 FROM readings q JOIN periods qp ON qp.id = q.period_id
      WHERE qp.kind = 'quarter' AND qp.year = p.year AND q.status = 'validated'
        AND q.indicator_id = r.indicator_id AND q.organisation_id = r.organisation_id
        AND COALESCE(q.location_id, 0) = COALESCE(r.location_id, 0)
        AND COALESCE(q.zone, '') = COALESCE(r.zone, '')))
GROUP BY r.indicator_id, r.period_id, r.organisation_id, r.zone
"""


def upgrade() -> None:
    op.create_table(
        "reading_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("zone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_reading_totals_indicator_id_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_reading_totals_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_reading_totals_period_id_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_totals")),
    )
    with op.batch_alter_table("reading_totals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reading_totals_indicator_organisation",
            ["indicator_id", "organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_reading_totals_period_id"), ["period_id"], unique=False
        )

    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readings_indicator_id"))
        batch_op.create_index(
            "ix_readings_indicator_organisation_period",
            ["indicator_id", "organisation_id", "period_id"],
            unique=False,
        )

    op.execute(FILL)


def downgrade() -> None:
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index("ix_readings_indicator_organisation_period")
        batch_op.create_index(
            batch_op.f("ix_readings_indicator_id"), ["indicator_id"], unique=False
        )

    with op.batch_alter_table("reading_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reading_totals_period_id"))
        batch_op.drop_index("ix_reading_totals_indicator_organisation")

    op.drop_table("reading_totals")
