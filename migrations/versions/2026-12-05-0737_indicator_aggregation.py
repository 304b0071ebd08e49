"""indicator aggregation: how several organisations' readings combine (sum or collective, and the
reporter of record), the kind of a yes/no indicator, and the option whose share a breakdown asks
for; filled by `ehp-api seed` from seed/workplan.yaml and seed/disaggregations.yaml

Revision ID: 55ecbfdf18be
Revises: 9d3f5b7c1e2a
Create Date: 2026-12-05 07:37:12.571954
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "55ecbfdf18be"
down_revision: str | None = "9d3f5b7c1e2a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    with op.batch_alter_table("disaggregation_categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("share_option", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )

    # Indicators already loaded add up until the next seed classifies them (the old rule).
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "aggregation",
                _enum("aggregation", "sum", "collective"),
                nullable=False,
                server_default="sum",
            )
        )
        batch_op.add_column(sa.Column("reporter_organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "boolean_kind",
                _enum("boolean_kind", "milestone", "annual", "updated"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "aggregation_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_indicators_reporter_organisation_id_organisations"),
            "organisations",
            ["reporter_organisation_id"],
            ["id"],
        )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.alter_column("aggregation", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_indicators_reporter_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("ck_indicators_boolean_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_indicators_aggregation"), type_="check")
        batch_op.drop_column("aggregation_note")
        batch_op.drop_column("boolean_kind")
        batch_op.drop_column("reporter_organisation_id")
        batch_op.drop_column("aggregation")

    with op.batch_alter_table("disaggregation_categories", schema=None) as batch_op:
        batch_op.drop_column("share_option")
