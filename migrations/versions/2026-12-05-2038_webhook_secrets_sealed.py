"""webhook secrets sealed: each subscription's signing secret is kept as a Fernet token of
EHP_ENCRYPTION_KEY (`secret_token`), no longer in clear (`secret`)

Revision ID: b1470293bbc6
Revises: 9b4e2d7c1a60
Create Date: 2026-12-05 20:38:30

The upgrade seals the secrets already stored with the first key of EHP_ENCRYPTION_KEY, which must
then be set (without it the upgrade stops and changes nothing); the downgrade opens them with any
of its keys. Written with `cryptography` itself rather than the service's code, so that this
revision does the same whatever that code becomes.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ehp_api.core.config import get_settings

revision: str = "b1470293bbc6"
down_revision: str | None = "9b4e2d7c1a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _keyring() -> MultiFernet:
    key = get_settings().encryption_key
    if key is None:
        raise RuntimeError(
            "EHP_ENCRYPTION_KEY is not set: the webhook secrets already stored cannot be sealed "
            "(or opened) without it. Set it (docs/operations.md, Settings) and migrate again."
        )
    keys = [k.strip() for k in key.get_secret_value().split(",") if k.strip()]
    return MultiFernet([Fernet(k.encode("ascii")) for k in keys])


SUBSCRIPTIONS = sa.table(
    "webhook_subscriptions", sa.column("id"), sa.column("secret"), sa.column("secret_token")
)


def _rewrite(source: str, target: str, change: Callable[[str], str]) -> None:
    """`target` := change(`source`) on every subscription."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c[source])).all()
    if not rows:
        return
    statement = (
        sa.update(SUBSCRIPTIONS)
        .where(SUBSCRIPTIONS.c.id == sa.bindparam("b_id"))
        .values({target: sa.bindparam("b_value")})
    )
    connection.execute(statement, [{"b_id": id_, "b_value": change(value)} for id_, value in rows])


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("secret_token", sa.String(length=500), nullable=True))
    _rewrite("secret", "secret_token", lambda secret: _keyring().encrypt(secret.encode()).decode())
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.alter_column("secret_token", existing_type=sa.String(length=500), nullable=False)
        batch.drop_column("secret")


def _open(token: str) -> str:
    try:
        return _keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise RuntimeError(
            "A webhook secret opens with no key of EHP_ENCRYPTION_KEY: set the key(s) that "
            "sealed it and migrate again."
        ) from None


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("secret", sa.String(length=200), nullable=True))
    _rewrite("secret_token", "secret", _open)
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("secret_token")
