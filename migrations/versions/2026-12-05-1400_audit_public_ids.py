"""audit public ids: events are known outside by a random token, not by their increasing row id
(the gaps between the ids a reader sees would count the events hidden from it)

Revision ID: 3c9e5a7b1d24
Revises: 8b41c7d2e9a6
Create Date: 2026-12-05 14:00:00

Existing events get a random token each. The table is append-only (triggers refuse UPDATE), and
recreating it in batch mode would copy its rows and drop the triggers, so:
- PostgreSQL: ADD COLUMN with a volatile default fills every row in the rewrite (no UPDATE, no
  trigger fired), then the default goes (new events get theirs from the application);
- SQLite: the column is added with a constant default, the UPDATE guard is dropped for the one
  UPDATE that fills it and created again in the same transaction.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3c9e5a7b1d24"
down_revision: str | None = "8b41c7d2e9a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UPDATE_GUARD = """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE audit_events ADD COLUMN public_id VARCHAR(32) NOT NULL DEFAULT ''")
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("UPDATE audit_events SET public_id = lower(hex(randomblob(16)))")
        op.execute(SQLITE_UPDATE_GUARD)
    else:
        op.execute(
            "ALTER TABLE audit_events ADD COLUMN public_id VARCHAR(32) NOT NULL "
            "DEFAULT replace(gen_random_uuid()::text, '-', '')"
        )
        op.execute("ALTER TABLE audit_events ALTER COLUMN public_id DROP DEFAULT")
    op.create_index(op.f("ix_audit_events_public_id"), "audit_events", ["public_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_events_public_id"), table_name="audit_events")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE audit_events DROP COLUMN public_id")
    else:
        op.drop_column("audit_events", "public_id")
