"""`ehp-api backup`, `restore` and `rotate-encryption-key`: the database and its key kept safe."""

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from ehp_api.audit import service as audit
from ehp_api.cli.language import refuse
from ehp_api.complaints import rotation
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.core import backup as backups
from ehp_api.core import migrate
from ehp_api.core.config import get_settings
from ehp_api.core.i18n import N_, tr
from ehp_api.core.principal import system_principal
from ehp_api.models import get_engine
from ehp_api.notifications import secrets as webhook_secrets

app = typer.Typer()

# Every place holding tokens of EHP_ENCRYPTION_KEY, sealed again by a rotation.
SEALED = (*rotation.SEALED, webhook_secrets.SEALED)


@app.command(
    "backup",
    help=N_(
        "Copy the whole database into PATH while the service runs (SQLite: its online backup; "
        "PostgreSQL: pg_dump's custom format). The encryption key is not in it: keep it apart."
    ),
)
def backup(
    path: Annotated[Path, typer.Argument(dir_okay=False, help=N_("The backup file to write."))],
    force: Annotated[bool, typer.Option("--force", help=N_("Replace PATH if it exists."))] = False,
) -> None:
    settings = get_settings()
    try:
        written = backups.backup(settings.database_url, path, replace=force)
    except backups.BackupError as error:
        refuse(str(error))
    changes = {"format": written.format, "bytes": written.size}
    with Session(get_engine()) as session, session.begin():
        audit.record(
            session,
            system_principal(),
            "database.backup",
            "database",
            None,
            {name: {"old": None, "new": value} for name, value in changes.items()},
        )
    typer.echo(
        tr(
            "Backup written to {path} ({format}, {size} bytes).",
            path=written.path,
            format=written.format,
            size=written.size,
        )
    )


@app.command(
    "restore",
    help=N_(
        "Load a backup into the database of EHP_DATABASE_URL, which must be empty (new), unless "
        "--force. Stop the service first; then `ehp-api db upgrade` if the backup is older."
    ),
)
def restore(
    path: Annotated[Path, typer.Argument(help=N_("A file written by `ehp-api backup`."))],
    force: Annotated[
        bool, typer.Option("--force", help=N_("Replace what the target database holds."))
    ] = False,
) -> None:
    settings = get_settings()
    try:
        backups.restore(settings.database_url, path, force=force)
    except backups.BackupError as error:
        refuse(str(error))
    engine = get_engine()
    with engine.connect() as connection:
        revision = migrate.current_revision(connection)
    typer.echo(tr("Restored {path} (schema revision {revision}).", path=path, revision=revision))
    if revision != migrate.head_revision():
        typer.echo(
            tr("The schema is older than this release's: run `ehp-api db upgrade` before serving.")
        )
        return
    cipher = IdentityCipher(settings.encryption_key)
    with Session(engine) as session, session.begin():
        lost = rotation.unreadable(session, cipher)
        changes = {"backup": {"old": None, "new": path.name}}
        audit.record(session, system_principal(), "database.restore", "database", None, changes)
    if lost:
        refuse(
            tr(
                "{lost} complainant identities open with no key of EHP_ENCRYPTION_KEY: set the "
                "key(s) in use when the backup was taken",
                lost=lost,
            ),
            code=1,
        )


@app.command(
    "rotate-encryption-key",
    help=N_(
        "Seal every complainant identity, kept answer and webhook secret again with the first "
        "key of EHP_ENCRYPTION_KEY; stopped, it continues where it was when run again. Audited."
    ),
)
def rotate_encryption_key(
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help=N_("Rows sealed again per transaction."))
    ] = 500,
) -> None:
    cipher = IdentityCipher(get_settings().encryption_key)
    if not cipher.keyed:
        refuse(tr("EHP_ENCRYPTION_KEY is not set"))

    def report(state: rotation.Progress) -> None:
        typer.echo(
            tr(
                "{place}: {resealed} sealed again, {current} current",
                place=state.place,
                resealed=state.resealed,
                current=state.current,
            )
        )

    try:
        done = rotation.rotate(
            get_engine(), cipher, system_principal(), batch_size, report, places=SEALED
        )
    except rotation.Unreadable as error:
        refuse(str(error))
    typer.echo(
        tr(
            "Sealed {resealed} token(s) again with the first key; {current} already were. Every "
            "identity and webhook secret now opens with the first key alone.",
            resealed=done.resealed,
            current=done.current,
        )
    )
