"""register: the EHP's meetings, thematic notes, information requests, decisions and their
action points (one decision per escalated alert at most)

Revision ID: 78c21ecd0331
Revises: 5c2e8f1a9b73
Create Date: 2026-12-05 17:29:37

New tables only; nothing existing changes. The indicators the register answers (1.1.1.3,
1.1.3.1, 1.1.4.1, 1.1.4.2) become computed by the seed (`computed_from`), not here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "78c21ecd0331"
down_revision: str | None = "5c2e8f1a9b73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_meetings",
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ordinary",
                "ad_hoc",
                name="meeting_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("protection_on_agenda", sa.Boolean(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_meetings")),
    )
    op.create_index(
        op.f("ix_register_meetings_held_on"), "register_meetings", ["held_on"], unique=False
    )

    op.create_table(
        "register_notes",
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "area",
            sa.Enum(
                "general_protection",
                "child_protection",
                "gender_based_violence",
                "mine_action",
                "housing_land_property",
                "cross_cutting",
                name="protection_area",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("recommendations", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("deliberated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_notes")),
    )
    op.create_index(
        op.f("ix_register_notes_received_on"), "register_notes", ["received_on"], unique=False
    )

    op.create_table(
        "register_information_requests",
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("asked_by_organisation_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("note_supplied", sa.Boolean(), nullable=False),
        sa.Column("liptako_gourma", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_register_information_requests_asked_by_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_information_requests")),
    )
    op.create_index(
        op.f("ix_register_information_requests_answered_on"),
        "register_information_requests",
        ["answered_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_register_information_requests_asked_on"),
        "register_information_requests",
        ["asked_on"],
        unique=False,
    )

    op.create_table(
        "register_decisions",
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_register_decisions_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["register_meetings.id"],
            name=op.f("fk_register_decisions_meeting_id_register_meetings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_decisions")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_register_decisions_alert_id")),
    )
    op.create_index(
        op.f("ix_register_decisions_decided_on"), "register_decisions", ["decided_on"], unique=False
    )

    op.create_table(
        "register_action_points",
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("owner_organisation_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "done",
                "dropped",
                name="action_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["register_decisions.id"],
            name=op.f("fk_register_action_points_decision_id_register_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_register_action_points_owner_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_action_points")),
    )
    op.create_index(
        op.f("ix_register_action_points_decision_id"),
        "register_action_points",
        ["decision_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_register_action_points_owner_organisation_id"),
        "register_action_points",
        ["owner_organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_register_action_points_status_due_on",
        "register_action_points",
        ["status", "due_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_register_action_points_status_due_on", table_name="register_action_points")
    op.drop_index(
        op.f("ix_register_action_points_owner_organisation_id"), table_name="register_action_points"
    )
    op.drop_index(
        op.f("ix_register_action_points_decision_id"), table_name="register_action_points"
    )

    op.drop_table("register_action_points")
    op.drop_index(op.f("ix_register_decisions_decided_on"), table_name="register_decisions")

    op.drop_table("register_decisions")
    op.drop_index(
        op.f("ix_register_information_requests_asked_on"),
        table_name="register_information_requests",
    )
    op.drop_index(
        op.f("ix_register_information_requests_answered_on"),
        table_name="register_information_requests",
    )

    op.drop_table("register_information_requests")
    op.drop_index(op.f("ix_register_notes_received_on"), table_name="register_notes")

    op.drop_table("register_notes")
    op.drop_index(op.f("ix_register_meetings_held_on"), table_name="register_meetings")

    op.drop_table("register_meetings")
