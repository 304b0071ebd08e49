"""`ehp-api db ...`: the schema's migrations and the figures kept beside the readings."""

from typing import Annotated

import typer
from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.core import migrate
from ehp_api.core.config import get_settings
from ehp_api.core.i18n import N_, tr
from ehp_api.models import get_engine
from ehp_api.progress import kept
from ehp_api.progress.models import ReadingTotal
from ehp_api.web import reference

app = typer.Typer(help=N_("Database schema migrations (Alembic)."), no_args_is_help=True)


@app.command(
    "upgrade",
    help=N_(
        "Migrate the database up to REVISION (default: the latest). At the latest, the kept "
        "figures are recomputed from the readings, so that a release's rules apply to past data."
    ),
)
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    migrate.upgrade(get_settings().database_url, revision)
    if revision == "head":
        typer.echo(tr("reading totals rebuilt: {rows} rows", rows=_rebuild_totals()))
        typer.echo(tr("reference data version: {version}", version=_touch_reference()))


# `-1` (one step down) is a revision, not an option.
@app.command(
    "downgrade",
    context_settings={"ignore_unknown_options": True},
    help=N_("Migrate the database down to REVISION."),
)
def db_downgrade(
    revision: Annotated[str, typer.Argument(help=N_("Target, e.g. -1 or base."))],
) -> None:
    migrate.downgrade(revision, get_settings().database_url)


@app.command(
    "rebuild-totals",
    help=N_(
        "Recompute the dashboard's kept reading totals from the readings (after loading readings "
        "with SQL, past the service, or to check nothing drifted)."
    ),
)
def db_rebuild_totals() -> None:
    typer.echo(tr("reading totals rebuilt: {rows} rows", rows=_rebuild_totals()))


@app.command(
    "touch-reference",
    help=N_(
        "Tell every worker that the reference data changed (after changing the plan, "
        "organisations, places or periods with SQL, past the service): they drop the answers "
        "they keep."
    ),
)
def db_touch_reference() -> None:
    typer.echo(tr("reference data version: {version}", version=_touch_reference()))


def _touch_reference() -> int:
    with Session(get_engine()) as session, session.begin():
        reference.touch(session)
        return reference.version_of(session)


def _rebuild_totals() -> int:
    with Session(get_engine()) as session, session.begin():
        kept.rebuild(session)
        return session.exec(select(func.count()).select_from(ReadingTotal)).one()
