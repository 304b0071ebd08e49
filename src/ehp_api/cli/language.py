"""The command line's language: `--lang`, else the terminal's locale, else EHP_DEFAULT_LANGUAGE.

A person at a terminal says which language they read in the locale, as for every gettext
program: LC_ALL, else LC_MESSAGES, else LANG, the first one set deciding (`fr_ML.UTF-8` is
French, `en_GB.UTF-8` English). A locale that names neither (the `C.UTF-8` or `POSIX` of
containers and cron, another language) leaves the deployment's language, EHP_DEFAULT_LANGUAGE
(French unless the operator changed it), the one its API answers in. `--lang fr|en`, before the
command, wins over both.

The language is chosen before the arguments are parsed, so that `--help` is in it too; click's
and typer's own words (Usage, Options, a parse error) stay English.
"""

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from ehp_api.core.config import Settings, get_settings
from ehp_api.core.i18n import Language, tr, translate
from ehp_api.core.request_context import language_var

OPTION = "--lang"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def of_locale(environ: Mapping[str, str]) -> Language | None:
    """French or English if the locale names one (`fr_ML.UTF-8@euro`: `fr`), else None."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            primary = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return Language(primary) if primary in Language.__members__ else None
    return None


def of_deployment() -> Language:
    try:
        return Language(get_settings().default_language)
    except ValidationError:  # a wrong setting is the command's to report; its help still shows
        return Language(Settings.model_fields["default_language"].default)


def chosen(asked: Language | None, environ: Mapping[str, str] = os.environ) -> Language:
    return asked or of_locale(environ) or of_deployment()


def asked_in(args: Sequence[str], commands: Mapping[str, Any]) -> Language | None:
    """The `--lang X` (or `--lang=X`) given before the command's name, if it is a language."""
    for index, arg in enumerate(args):
        if arg in commands or arg == "--":
            return None
        if arg == OPTION:
            value = args[index + 1] if index + 1 < len(args) else ""
        elif arg.startswith(f"{OPTION}="):
            value = arg.partition("=")[2]
        else:
            continue
        return Language(value) if value in Language.__members__ else None
    return None


def translate_help(command: Any, language: Language) -> None:
    """The help texts of `command` (typer's click command) and of every command under it, in
    `language`: they are marked `N_` where the commands are declared, their English is the
    message id. typer builds the commands afresh for each run, so they are changed in place."""
    for holder in (command, *command.params):
        for name in ("help", "short_help"):
            text = getattr(holder, name, None)
            if text:
                setattr(holder, name, translate(text, language))
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub, language)


class LocalisedGroup(TyperGroup):
    """The `ehp-api` command: its language is set for the whole run (`tr` reads it, as a request's
    in the service) and its help texts are translated, before anything is parsed."""

    def main(self, args: Sequence[str] | None = None, *more: Any, **options: Any) -> Any:
        given = list(sys.argv[1:] if args is None else args)
        language = chosen(asked_in(given, self.commands))
        translate_help(self, language)
        token = language_var.set(language.value)
        try:
            return super().main(given, *more, **options)
        finally:
            language_var.reset(token)


def refuse(message: str, reasons: Sequence[tuple[str, str]] = (), code: int = 2) -> NoReturn:
    """Stop the command: `error: message` on standard error in the run's language, then each
    field refused with its reason, and exit with `code`."""
    typer.echo(tr("error: {message}", message=message), err=True)
    for field, reason in reasons:
        typer.echo("  " + tr("{field}: {reason}", field=field, reason=reason), err=True)
    raise typer.Exit(code=code)
