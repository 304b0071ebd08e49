"""The `ehp-api` command: migrations, seed data and the server."""

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from ehp_api import migrate, seeding
from ehp_api.config import get_settings
from ehp_api.db import get_engine

app = typer.Typer(
    help="ehp_api: the EHP Mali protection strategy service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the latest)."""
    migrate.upgrade(get_settings().database_url, revision)


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target, e.g. -1 or base.")]) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(revision, get_settings().database_url)


@app.command()
def seed(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Folder of seed YAML files (default: seed/).")
    ] = None,
) -> None:
    """Load the work plan and reference data; safe to run again (it changes only what differs)."""
    with Session(get_engine()) as session, session.begin():
        report = seeding.load_all(session, directory)
    for line in report.lines():
        typer.echo(line)
    typer.echo("seed: changes applied" if report.changed else "seed: already up to date")


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
    uvicorn.run(
        "ehp_api.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )
