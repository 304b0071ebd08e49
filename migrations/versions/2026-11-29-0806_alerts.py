"""alerts: protection alerts, their timeline, links, trigger rules (versioned) and verdicts

Revision ID: d5e1a7b2c3f4
Revises: c4d8a1f6e9b3
Create Date: 2026-11-29 08:06:12.170878
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "d5e1a7b2c3f4"
down_revision: str | None = "c4d8a1f6e9b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trigger_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "severity",
                "recurrence",
                name="trigger_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("min_severity", sa.Integer(), nullable=True),
        sa.Column("min_count", sa.Integer(), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_rules")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_trigger_rules_code_version")),
    )
    with op.batch_alter_table("trigger_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trigger_rules_code"), ["code"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ehp_referral",
                "ewrr",
                name="alert_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "under_review",
                "escalated",
                "not_escalated",
                "shared",
                "acknowledged",
                "activated",
                "not_activated",
                "closed",
                name="alert_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "killing_or_maiming",
                "abduction",
                "gender_based_violence",
                "recruitment_of_children",
                "attack_on_civilians",
                "forced_displacement",
                "denial_of_humanitarian_access",
                "extortion",
                "arbitrary_arrest_or_detention",
                "destruction_of_property",
                "explosive_ordnance",
                "other",
                name="alert_category",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("admin2_id", sa.Integer(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column(
            "affected_group",
            sa.Enum(
                "idps",
                "refugees",
                "returnees",
                "host_community",
                "general_population",
                "children",
                "women_and_girls",
                "humanitarian_workers",
                "other",
                name="affected_group",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("affected_people", sa.Integer(), nullable=True),
        sa.Column("narrative", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("external_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("source_organisation_id", sa.Integer(), nullable=False),
        sa.Column("liptako_gourma", sa.Boolean(), nullable=False),
        sa.Column("recurrence", sa.Integer(), nullable=False),
        sa.Column("escalation_recommended", sa.Boolean(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin2_id"], ["locations.id"], name=op.f("fk_alerts_admin2_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_alerts_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["source_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_alerts_source_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_admin2_id"), ["admin2_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_occurred_on"), ["occurred_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alerts_source_organisation_id"), ["source_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alerts_status"), ["status"], unique=False)

    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("recorded_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_events_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
    )
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_events_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_events_on"), ["on"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_events_to_status"), ["to_status"], unique=False)

    op.create_table(
        "alert_links",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("linked_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_links_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["linked_id"],
            ["alerts.id"],
            name=op.f("fk_alert_links_linked_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", "linked_id", name=op.f("pk_alert_links")),
    )
    op.create_table(
        "alert_triggers",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("evaluated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_triggers_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["trigger_rules.id"], name=op.f("fk_alert_triggers_rule_id_trigger_rules")
        ),
        sa.PrimaryKeyConstraint("alert_id", "rule_id", name=op.f("pk_alert_triggers")),
    )


def downgrade() -> None:
    op.drop_table("alert_triggers")
    op.drop_table("alert_links")
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_events_to_status"))
        batch_op.drop_index(batch_op.f("ix_alert_events_on"))
        batch_op.drop_index(batch_op.f("ix_alert_events_alert_id"))

    op.drop_table("alert_events")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_alerts_source_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_occurred_on"))
        batch_op.drop_index(batch_op.f("ix_alerts_location_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_kind"))
        batch_op.drop_index(batch_op.f("ix_alerts_category"))
        batch_op.drop_index(batch_op.f("ix_alerts_admin2_id"))

    op.drop_table("alerts")
    with op.batch_alter_table("trigger_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_rules_code"))

    op.drop_table("trigger_rules")
