"""complaints: community complaints and feedback, their timeline, SEA victim assistance,
referral deadlines (seeded with the defaults) and KoboToolbox form mappings

Revision ID: e7c3b9d1a2f5
Revises: d5e1a7b2c3f4
Create Date: 2026-11-29 08:20:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ehp_api.core.db

revision: str = "e7c3b9d1a2f5"
down_revision: str | None = "d5e1a7b2c3f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint_deadlines",
        sa.Column(
            "category",
            sa.Enum(
                "information_request",
                "feedback",
                "assistance_complaint",
                "exclusion",
                "protection_concern",
                "fraud_or_corruption",
                "staff_misconduct",
                "sea_allegation",
                "other",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("refer_within_hours", sa.Integer(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("category", "sensitive", name=op.f("pk_complaint_deadlines")),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "hotline",
                "help_desk",
                "suggestion_box",
                "community_meeting",
                "sms",
                "email",
                "in_person",
                "partner_referral",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "information_request",
                "feedback",
                "assistance_complaint",
                "exclusion",
                "protection_concern",
                "fraud_or_corruption",
                "staff_misconduct",
                "sea_allegation",
                "other",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("zone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("organisation_concerned_id", sa.Integer(), nullable=True),
        sa.Column("programme", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum(
                "f", "m", "other", name="sex", native_enum=False, create_constraint=True, length=40
            ),
            nullable=True,
        ),
        sa.Column(
            "age_group",
            sa.Enum(
                "0-17",
                "18-59",
                "60+",
                name="age_group",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("consent_to_contact", sa.Boolean(), nullable=False),
        sa.Column("consent_to_share_identity", sa.Boolean(), nullable=False),
        sa.Column("identity_token", sa.Text(), nullable=True),
        sa.Column("identity_purged_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "follow_up_code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("kobo_uuid", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "referred",
                "accepted",
                "rejected",
                "responded",
                "closed",
                name="complaint_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_organisation_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("referral_due_on", sa.Date(), nullable=False),
        sa.Column("referred_to_id", sa.Integer(), nullable=True),
        sa.Column("first_referred_on", sa.Date(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=True),
        sa.Column("response_due_on", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column(
            "response_method",
            sa.Enum(
                "in_person",
                "phone_call",
                "sms",
                "email",
                "community_meeting",
                "notice_board",
                "letter",
                "through_partner",
                "other",
                name="response_method",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "adjusted",
                "no_change_needed",
                "not_in_scope",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("assistance_declined", sa.Boolean(), nullable=False),
        sa.Column("created_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_complaints_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_concerned_id"],
            ["organisations.id"],
            name=op.f("fk_complaints_organisation_concerned_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_complaints_recorded_by_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["referred_to_id"],
            ["organisations.id"],
            name=op.f("fk_complaints_referred_to_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("follow_up_code_hash", name=op.f("uq_complaints_follow_up_code_hash")),
        sa.UniqueConstraint("kobo_uuid", name=op.f("uq_complaints_kobo_uuid")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_closed_on"), ["closed_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_complaints_first_referred_on"), ["first_referred_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_organisation_concerned_id"),
            ["organisation_concerned_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_received_on"), ["received_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_recorded_by_organisation_id"),
            ["recorded_by_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_referral_due_on"), ["referral_due_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_referred_to_id"), ["referred_to_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_response_due_on"), ["response_due_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaints_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_zone"), ["zone"], unique=False)

    op.create_table(
        "kobo_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("xform_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("defaults", sa.JSON(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("updated_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_kobo_forms_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kobo_forms")),
        sa.UniqueConstraint("xform_id", name=op.f("uq_kobo_forms_xform_id")),
    )
    with op.batch_alter_table("kobo_forms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kobo_forms_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "complaint_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("recorded_at", ehp_api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_steps_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_steps")),
    )
    with op.batch_alter_table("complaint_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_steps_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "complaint_victim_assistance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column(
            "service",
            sa.Enum(
                "medical",
                "psychosocial",
                "legal",
                "safety",
                "material",
                name="assistance_service",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_victim_assistance_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_victim_assistance")),
    )
    with op.batch_alter_table("complaint_victim_assistance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_victim_assistance_complaint_id"),
            ["complaint_id"],
            unique=False,
        )

    _seed_deadlines()


# The defaults of the issue, frozen here as they were when the table was created: SEA allegations
# are referred within 24 hours, other sensitive complaints within 3 days, the rest within 14 days.
_CATEGORIES = (
    "information_request",
    "feedback",
    "assistance_complaint",
    "exclusion",
    "protection_concern",
    "fraud_or_corruption",
    "staff_misconduct",
    "sea_allegation",
    "other",
)


def _seed_deadlines() -> None:
    deadlines = sa.table(
        "complaint_deadlines",
        sa.column("category", sa.String()),
        sa.column("sensitive", sa.Boolean()),
        sa.column("refer_within_hours", sa.Integer()),
        sa.column("updated_by", sa.String()),
        sa.column("updated_at", ehp_api.core.db.UTCDateTime()),
    )
    seeded_at = datetime(2026, 11, 29, 8, 20, tzinfo=UTC)
    rows = [
        {
            "category": category,
            "sensitive": sensitive,
            "refer_within_hours": 24 if category == "sea_allegation" else 72 if sensitive else 336,
            "updated_by": "migration e7c3b9d1a2f5 (defaults)",
            "updated_at": seeded_at,
        }
        for category in _CATEGORIES
        for sensitive in (False, True)
        if sensitive or category != "sea_allegation"
    ]
    op.bulk_insert(deadlines, rows)


def downgrade() -> None:
    with op.batch_alter_table("complaint_victim_assistance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_victim_assistance_complaint_id"))

    op.drop_table("complaint_victim_assistance")
    with op.batch_alter_table("complaint_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_steps_complaint_id"))

    op.drop_table("complaint_steps")
    with op.batch_alter_table("kobo_forms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kobo_forms_organisation_id"))

    op.drop_table("kobo_forms")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_zone"))
        batch_op.drop_index(batch_op.f("ix_complaints_status"))
        batch_op.drop_index(batch_op.f("ix_complaints_response_due_on"))
        batch_op.drop_index(batch_op.f("ix_complaints_referred_to_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_referral_due_on"))
        batch_op.drop_index(batch_op.f("ix_complaints_recorded_by_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_received_on"))
        batch_op.drop_index(batch_op.f("ix_complaints_organisation_concerned_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_location_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_first_referred_on"))
        batch_op.drop_index(batch_op.f("ix_complaints_closed_on"))
        batch_op.drop_index(batch_op.f("ix_complaints_channel"))
        batch_op.drop_index(batch_op.f("ix_complaints_category"))

    op.drop_table("complaints")
    op.drop_table("complaint_deadlines")
