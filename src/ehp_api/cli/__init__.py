"""The `ehp-api` command: migrations, seed data and the server."""

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api import seeds
from ehp_api.access import refusals
from ehp_api.access import service as access_service
from ehp_api.access.schemas import ApiKeyCreate, UserCreate
from ehp_api.audit import service as audit
from ehp_api.complaints import purge as complaints_purge
from ehp_api.complaints import rotation
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.core import backup as backups
from ehp_api.core import metrics, migrate
from ehp_api.core.config import get_settings
from ehp_api.core.errors import AppError
from ehp_api.core.logs import configure_logging
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal
from ehp_api.models import get_engine
from ehp_api.notifications import secrets as webhook_secrets
from ehp_api.progress import kept
from ehp_api.progress.models import ReadingTotal
from ehp_api.web import idempotency_keys, ratelimit, reference
from ehp_partner import cli as push_cli
from ehp_partner import push

app = typer.Typer(
    help="ehp_api: the EHP Mali protection strategy service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the latest). At the latest, the kept
    figures are recomputed from the readings, so that a release's rules apply to past data."""
    migrate.upgrade(get_settings().database_url, revision)
    if revision == "head":
        typer.echo(f"reading totals rebuilt: {_rebuild_totals()} rows")
        typer.echo(f"reference data version: {_touch_reference()}")


# `-1` (one step down) is a revision, not an option.
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target, e.g. -1 or base.")]) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(revision, get_settings().database_url)


@db_app.command("rebuild-totals")
def db_rebuild_totals() -> None:
    """Recompute the dashboard's kept reading totals from the readings (after loading readings
    with SQL, past the service, or to check nothing drifted)."""
    typer.echo(f"reading totals rebuilt: {_rebuild_totals()} rows")


@db_app.command("touch-reference")
def db_touch_reference() -> None:
    """Tell every worker that the reference data changed (after changing the plan, organisations,
    places or periods with SQL, past the service): they drop the answers they keep."""
    typer.echo(f"reference data version: {_touch_reference()}")


def _touch_reference() -> int:
    with Session(get_engine()) as session, session.begin():
        reference.touch(session)
        return reference.version_of(session)


def _rebuild_totals() -> int:
    with Session(get_engine()) as session, session.begin():
        kept.rebuild(session)
        return session.exec(select(func.count()).select_from(ReadingTotal)).one()


@app.command()
def seed(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Folder of seed YAML files (default: seed/).")
    ] = None,
) -> None:
    """Load the work plan and reference data; safe to run again (it changes only what differs)."""
    with Session(get_engine(), expire_on_commit=False) as session, session.begin():
        report = seeds.load_all(session, directory)
        if report.changed:
            audit.record(session, system_principal(), "seed.load", "seed", None, report.changes())
    for line in report.lines():
        typer.echo(line)
    typer.echo("seed: changes applied" if report.changed else "seed: already up to date")


def _fail(error: AppError) -> None:
    typer.echo(f"error: {error.detail}", err=True)
    for param in error.errors or []:
        typer.echo(f"  {param.field}: {param.reason}", err=True)
    raise typer.Exit(code=2)


@app.command("create-api-key")
def create_api_key(
    org: Annotated[str, typer.Option("--org", help="Organisation code, e.g. HCR.")],
    role: Annotated[Role, typer.Option("--role", help="Role of the key.")],
    name: Annotated[str, typer.Option("--name", help="What the key is for.")],
    expires_in_days: Annotated[int | None, typer.Option(help="Lifetime in days.")] = None,
) -> None:
    """Create an API key for a partner system; the secret is printed once, as the last line."""
    data = ApiKeyCreate(name=name, organisation=org, role=role, expires_in_days=expires_in_days)
    try:
        with Session(get_engine(), expire_on_commit=False) as session, session.begin():
            created = access_service.create_api_key(session, system_principal(), data)
    except AppError as error:
        _fail(error)
    typer.echo(f"API key {created.prefix} for {created.organisation} ({created.role}) created.")
    typer.echo("Store this secret now; it cannot be shown again:")
    typer.echo(created.secret)


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="Login email.")],
    org: Annotated[str, typer.Option("--org", help="Organisation code, e.g. OCHA.")],
    role: Annotated[Role, typer.Option("--role", help="Role of the user.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
) -> None:
    """Create a user; the password is asked for (or read from standard input)."""
    try:
        data = UserCreate(
            email=email,
            display_name=name or email,
            organisation=org,
            role=role,
            password=_read_password(),
        )
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    try:
        with Session(get_engine(), expire_on_commit=False) as session, session.begin():
            user = access_service.create_user(session, system_principal(), data)
    except AppError as error:
        _fail(error)
    typer.echo(f"User {user.email} ({user.role}, {data.organisation}) created with id {user.id}.")


@app.command("purge-identities")
def purge_identities() -> None:
    """Erase the identity of complaints closed longer ago than EHP_IDENTITY_RETENTION_DAYS."""
    days = get_settings().identity_retention_days
    with Session(get_engine(), expire_on_commit=False) as session, session.begin():
        ids = complaints_purge.purge_identities(session, system_principal(), days)
    typer.echo(f"Identity erased from {len(ids)} complaint(s) closed more than {days} days ago.")


@app.command("purge-expired")
def purge_expired() -> None:
    """Delete expired Idempotency-Keys (with their stored answers) and rate-limit counters, and
    summarise ended login refusals in the audit log."""
    with Session(get_engine()) as session, session.begin():
        keys = idempotency_keys.purge_expired(session)
        counters = ratelimit.purge_expired(session)
        refused = refusals.summarise_ended(session)
    typer.echo(
        f"Removed {keys} expired idempotency key(s) and {counters} rate-limit counter(s); "
        f"summarised {refused} ended run(s) of refused logins."
    )


@app.command("backup")
def backup(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Copy the whole database into PATH while the service runs (SQLite: its online backup;
    PostgreSQL: pg_dump's custom format). The encryption key is not in it: keep it apart."""
    settings = get_settings()
    try:
        written = backups.backup(settings.database_url, path, replace=force)
    except backups.BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
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
    typer.echo(f"Backup written to {written.path} ({written.format}, {written.size} bytes).")


@app.command("restore")
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `ehp-api backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace what the target database holds.")
    ] = False,
) -> None:
    """Load a backup into the database of EHP_DATABASE_URL, which must be empty (new), unless
    --force. Stop the service first; then `ehp-api db upgrade` if the backup is older."""
    settings = get_settings()
    try:
        backups.restore(settings.database_url, path, force=force)
    except backups.BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    engine = get_engine()
    with engine.connect() as connection:
        revision = migrate.current_revision(connection)
    typer.echo(f"Restored {path} (schema revision {revision}).")
    if revision != migrate.head_revision():
        typer.echo(
            "The schema is older than this release's: run `ehp-api db upgrade` before serving."
        )
        return
    cipher = IdentityCipher(settings.encryption_key)
    with Session(engine) as session, session.begin():
        lost = rotation.unreadable(session, cipher)
        changes = {"backup": {"old": None, "new": path.name}}
        audit.record(session, system_principal(), "database.restore", "database", None, changes)
    if lost:
        typer.echo(
            f"error: {lost} complainant identities open with no key of EHP_ENCRYPTION_KEY: set "
            "the key(s) in use when the backup was taken",
            err=True,
        )
        raise typer.Exit(code=1)


# Every place holding tokens of EHP_ENCRYPTION_KEY, sealed again by a rotation.
SEALED = (*rotation.SEALED, webhook_secrets.SEALED)


@app.command("rotate-encryption-key")
def rotate_encryption_key(
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Rows sealed again per transaction.")
    ] = 500,
) -> None:
    """Seal every complainant identity, kept answer and webhook secret again with the first key
    of EHP_ENCRYPTION_KEY; stopped, it continues where it was when run again. Audited."""
    cipher = IdentityCipher(get_settings().encryption_key)
    if not cipher.keyed:
        typer.echo("error: EHP_ENCRYPTION_KEY is not set", err=True)
        raise typer.Exit(code=2)

    def report(state: rotation.Progress) -> None:
        typer.echo(f"{state.place}: {state.resealed} sealed again, {state.current} current")

    try:
        done = rotation.rotate(
            get_engine(), cipher, system_principal(), batch_size, report, places=SEALED
        )
    except rotation.Unreadable as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(
        f"Sealed {done.resealed} token(s) again with the first key; {done.current} already were. "
        "Every identity and webhook secret now opens with the first key alone."
    )


# The partner kit's command, the same code as its own `ehp-push`.
app.command("push", help=push.HELP)(push_cli.push_file)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: EHP_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: EHP_PORT.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes; default EHP_WORKERS.")
    ] = None,
) -> None:
    """Serve the API with uvicorn; several workers need PostgreSQL."""
    import uvicorn

    settings = get_settings()
    workers = workers or settings.workers
    if workers > 1 and settings.is_sqlite:
        typer.echo("warning: several workers on SQLite serialise their writes", err=True)
    configure_logging(settings.log_level, settings.log_format)
    with metrics.multiprocess_folder(workers):
        uvicorn.run(
            "ehp_api.main:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_level=settings.log_level,
            # The app's handlers and its own access line (core/logs.py), never uvicorn's.
            log_config=None,
            access_log=False,
            # The app decides whose X-Forwarded-For to believe (EHP_TRUSTED_PROXIES); uvicorn's own
            # handling would believe any sent from 127.0.0.1 before the app sees the request.
            proxy_headers=False,
            # uvicorn's 5 s replaces a worker still importing the app on a busy host, forever.
            timeout_worker_healthcheck=settings.worker_start_timeout,
        )


@app.command()
def worker() -> None:
    """Deliver the outbox's events (webhooks, e-mail) and run the scheduled jobs (EHP_JOB_*)
    until stopped; several may run on PostgreSQL, one on SQLite."""
    import signal
    import threading

    from ehp_api.jobs import service as jobs
    from ehp_api.jobs import tasks
    from ehp_api.notifications import worker as outbox_worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduled = tasks.from_settings(settings)
    names = ", ".join(job.name for job in scheduled) or "none"
    typer.echo(
        f"worker: delivering events, scheduled jobs: {names} (stop with Ctrl-C or SIGTERM)",
        err=True,
    )
    outbox_worker.run(get_engine(), settings, stop, jobs=[jobs.Scheduler(scheduled)])
