"""reading totals grain: the kept figures per breakdown option too, with the flags of the rules
that made them (a region and its cercles not added, a total from a breakdown). The rules are
`ehp_api.progress.grain`'s, in Python: the rows kept under the old rules are deleted here and
recomputed by `ehp-api db upgrade`, which rebuilds the kept figures whenever it reaches the head
(or by `ehp-api db rebuild-totals`). The downgrade refills them under the old rules.

Revision ID: 8d41c7a2e9b0
Revises: f333ce66b125
Create Date: 2026-12-05 07:47:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "8d41c7a2e9b0"
down_revision: str | None = "f333ce66b125"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("region_overlaps", "excess", "from_breakdown")

# The rule of 2026-11-29-0946_reading_totals, frozen as it stood before this revision.
OLD_FILL = """
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
    op.execute("DELETE FROM reading_totals")
    with op.batch_alter_table("reading_totals", schema=None) as batch_op:
        for name in ("category_code", "option_code"):
            batch_op.add_column(
                sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False)
            )
        for name in COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM reading_totals")
    with op.batch_alter_table("reading_totals", schema=None) as batch_op:
        for name in reversed(COUNTERS):
            batch_op.drop_column(name)
        batch_op.drop_column("option_code")
        batch_op.drop_column("category_code")
    op.execute(OLD_FILL)
