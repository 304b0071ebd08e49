"""The `ehp-push` command; `ehp-api push` is this same function, registered by the server's CLI."""

import functools
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from ehp_partner import push

app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)


@app.command(help=push.HELP)
def push_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX file of readings.")
    ],
    url: Annotated[str, typer.Option("--url", help="The API's address, https://...")],
    api_key: Annotated[
        str, typer.Option("--api-key", envvar="EHP_API_KEY", help="Your organisation's API key.")
    ],
    period: Annotated[
        str | None, typer.Option("--period", help="Set this period (2021Q2, 2021) on every row.")
    ] = None,
    mode: Annotated[
        push.Mode, typer.Option(help="atomic: a batch with a refused row stores nothing.")
    ] = push.Mode.atomic,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per request.")] = 1000,
    max_attempts: Annotated[int, typer.Option(min=1, help="Tries per batch.")] = 5,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for an answer.")] = 120,
) -> None:
    """Send a CSV or XLSX file of readings to the API in batches, and print the summary."""
    if url.startswith("http://") and not re.match(r"^http://(localhost|127\.0\.0\.1)[:/]?", url):
        typer.echo("warning: plain http: the API key travels unencrypted; use https", err=True)
    options = push.Options(mode, dry_run, batch_size, max_attempts)
    try:
        upload = push.read_file(file, period)
        with (
            push.make_client(url, api_key, timeout) as client,
            typer.progressbar(
                length=len(upload.parsed.rows), label="Sending", file=sys.stderr
            ) as bar,
        ):
            notify = functools.partial(typer.echo, err=True)
            outcome = push.push(client, upload, options, progress=bar.update, notify=notify)
    except push.PushError as error:
        first, *details = error.lines
        typer.echo(f"error: {first}", err=True)
        for line in details:
            typer.echo(line, err=True)
        raise typer.Exit(code=2) from None
    for line in push.report(outcome, options):
        typer.echo(line)
    raise typer.Exit(code=1 if outcome.counts["rejected"] else 0)
