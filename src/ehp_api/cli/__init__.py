"""The `ehp-api` command: migrations, seed data, accounts, housekeeping and the server.

It speaks French or English (`cli.language`: `--lang`, else the locale, else EHP_DEFAULT_LANGUAGE):
its messages are marked `tr`, its help texts `N_`, as the service's. `push` is the partner kit's
command and speaks English, as `ehp-push` does.
"""

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlmodel import Session

from ehp_api import seeds
from ehp_api.access import refusals
from ehp_api.access import service as access_service
from ehp_api.access.schemas import ApiKeyCreate, UserCreate
from ehp_api.audit import service as audit
from ehp_api.cli import db, safekeeping
from ehp_api.cli.language import LocalisedGroup, refuse
from ehp_api.complaints import purge as complaints_purge
from ehp_api.core import metrics
from ehp_api.core.config import get_settings
from ehp_api.core.errors import AppError, field_name, validation_reason
from ehp_api.core.i18n import N_, Language, current_language, tr
from ehp_api.core.logs import configure_logging
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal
from ehp_api.models import get_engine
from ehp_api.web import idempotency_keys, ratelimit
from ehp_partner import cli as push_cli
from ehp_partner import push

app = typer.Typer(
    cls=LocalisedGroup,
    help=N_("ehp_api: the EHP Mali protection strategy service."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(safekeeping.app)


@app.callback()
def main(
    lang: Annotated[
        Language | None,
        typer.Option(
            "--lang",
            help=N_(
                "The language of the messages and help (before the command); default: the "
                "locale's (LC_ALL, LC_MESSAGES, LANG), else EHP_DEFAULT_LANGUAGE."
            ),
        ),
    ] = None,
) -> None:
    # Read before the arguments are parsed (`LocalisedGroup.main`), so that --help is in it too.
    del lang


@app.command(
    help=N_(
        "Load the work plan and reference data; safe to run again (it changes only what differs)."
    )
)
def seed(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help=N_("Folder of seed YAML files (default: seed/).")),
    ] = None,
) -> None:
    with Session(get_engine(), expire_on_commit=False) as session, session.begin():
        report = seeds.load_all(session, directory)
        if report.changed:
            audit.record(session, system_principal(), "seed.load", "seed", None, report.changes())
    for line in report.lines():
        typer.echo(line)
    typer.echo(tr("seed: changes applied") if report.changed else tr("seed: already up to date"))


def _fail(error: AppError) -> NoReturn:
    refuse(error.detail, [(param.field, param.reason) for param in error.errors or []])


@app.command(
    "create-api-key",
    help=N_(
        "Create an API key for a partner system; the secret is printed once, as the last line."
    ),
)
def create_api_key(
    org: Annotated[str, typer.Option("--org", help=N_("Organisation code, e.g. HCR."))],
    role: Annotated[Role, typer.Option("--role", help=N_("Role of the key."))],
    name: Annotated[str, typer.Option("--name", help=N_("What the key is for."))],
    expires_in_days: Annotated[int | None, typer.Option(help=N_("Lifetime in days."))] = None,
) -> None:
    data = ApiKeyCreate(name=name, organisation=org, role=role, expires_in_days=expires_in_days)
    try:
        with Session(get_engine(), expire_on_commit=False) as session, session.begin():
            created = access_service.create_api_key(session, system_principal(), data)
    except AppError as error:
        _fail(error)
    typer.echo(
        tr(
            "API key {prefix} for {organisation} ({role}) created.",
            prefix=created.prefix,
            organisation=created.organisation,
            role=created.role,
        )
    )
    typer.echo(tr("Store this secret now; it cannot be shown again:"))
    typer.echo(created.secret)


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt(tr("Password"), hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


def _refuse_account(error: ValidationError) -> NoReturn:
    """The fields refused, each with pydantic's reason in the run's language (never a value:
    one of them is the password)."""
    language = current_language()
    found = error.errors(include_url=False, include_input=False)
    reasons = [(field_name(f["loc"]), validation_reason(f, language)) for f in found]
    refuse(tr("The account is not valid."), reasons)


@app.command(
    "create-user",
    help=N_("Create a user; the password is asked for (or read from standard input)."),
)
def create_user(
    email: Annotated[str, typer.Argument(help=N_("Login email."))],
    org: Annotated[str, typer.Option("--org", help=N_("Organisation code, e.g. OCHA."))],
    role: Annotated[Role, typer.Option("--role", help=N_("Role of the user."))],
    name: Annotated[str | None, typer.Option("--name", help=N_("Display name."))] = None,
) -> None:
    try:
        data = UserCreate(
            email=email,
            display_name=name or email,
            organisation=org,
            role=role,
            password=_read_password(),
        )
    except ValidationError as error:
        _refuse_account(error)
    try:
        with Session(get_engine(), expire_on_commit=False) as session, session.begin():
            user = access_service.create_user(session, system_principal(), data)
    except AppError as error:
        _fail(error)
    typer.echo(
        tr(
            "User {email} ({role}, {organisation}) created with id {id}.",
            email=user.email,
            role=user.role,
            organisation=data.organisation,
            id=user.id,
        )
    )


@app.command(
    "purge-identities",
    help=N_("Erase the identity of complaints closed longer ago than EHP_IDENTITY_RETENTION_DAYS."),
)
def purge_identities() -> None:
    days = get_settings().identity_retention_days
    with Session(get_engine(), expire_on_commit=False) as session, session.begin():
        ids = complaints_purge.purge_identities(session, system_principal(), days)
    typer.echo(
        tr(
            "Identity erased from {count} complaint(s) closed more than {days} days ago.",
            count=len(ids),
            days=days,
        )
    )


@app.command(
    "purge-expired",
    help=N_(
        "Delete expired Idempotency-Keys (with their stored answers) and rate-limit counters, "
        "and summarise ended login refusals in the audit log."
    ),
)
def purge_expired() -> None:
    with Session(get_engine()) as session, session.begin():
        keys = idempotency_keys.purge_expired(session)
        counters = ratelimit.purge_expired(session)
        refused = refusals.summarise_ended(session)
    typer.echo(
        tr(
            "Removed {keys} expired idempotency key(s) and {counters} rate-limit counter(s); "
            "summarised {refused} ended run(s) of refused logins.",
            keys=keys,
            counters=counters,
            refused=refused,
        )
    )


# The partner kit's command, the same code as its own `ehp-push`.
app.command("push", help=push.HELP)(push_cli.push_file)


@app.command(help=N_("Serve the API with uvicorn; several workers need PostgreSQL."))
def serve(
    host: Annotated[str | None, typer.Option(help=N_("Default: EHP_HOST."))] = None,
    port: Annotated[int | None, typer.Option(help=N_("Default: EHP_PORT."))] = None,
    workers: Annotated[
        int | None, typer.Option(help=N_("Worker processes; default EHP_WORKERS."))
    ] = None,
) -> None:
    import uvicorn

    settings = get_settings()
    workers = workers or settings.workers
    if workers > 1 and settings.is_sqlite:
        typer.echo(tr("warning: several workers on SQLite serialise their writes"), err=True)
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


@app.command(
    help=N_(
        "Deliver the outbox's events (webhooks, e-mail) and run the scheduled jobs (EHP_JOB_*) "
        "until stopped; several may run on PostgreSQL, one on SQLite."
    )
)
def worker() -> None:
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
    names = ", ".join(job.name for job in scheduled) or tr("none")
    typer.echo(
        tr(
            "worker: delivering events, scheduled jobs: {names} (stop with Ctrl-C or SIGTERM)",
            names=names,
        ),
        err=True,
    )
    outbox_worker.run(get_engine(), settings, stop, jobs=[jobs.Scheduler(scheduled)])
