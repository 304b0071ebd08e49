"""French and English: which one a request gets, the message catalog, and the labels of enum values.

Messages are written in English in the code, marked `tr("...")` (translated at once, in the
request's language) or `N_("...")` (only marked, translated later: labels). The French catalog is
`ehp_api/locale/fr/LC_MESSAGES/messages.po`, kept with Babel (`make messages`), compiled in memory
the first time a process needs it (a `messages.mo` beside it, when newer, is read instead). English
needs no catalog: the message ids are the English texts. Codes and JSON keys are never translated.
"""

import gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import Enum, StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, TypeVar, cast

from fastapi import Query

from ehp_api.core.request_context import language_var

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


class Language(StrEnum):
    fr = "fr"
    en = "en"


LANGUAGES = tuple(Language)


# A download's language, in a link (where no header can be set); `ehp_api.web.language` reads it.
LangQuery = Annotated[
    Language | None,
    Query(description="The file's language (its headers and instructions); else Accept-Language."),
]


def po_path(language: Language) -> Path:
    return LOCALE_DIR / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(language: Language) -> gettext.NullTranslations:
    """The language's translations, read once per process."""
    if language == Language.en:
        return gettext.NullTranslations()
    po = po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    from babel.messages.mofile import write_mo  # only when no compiled catalog is installed
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        messages = read_po(source, locale=language.value)
    buffer = io.BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current_language() -> Language:
    """The request's language (`ehp_api.web.language` sets it), the command line's
    (`ehp_api.cli.language`), or a `speaking` block's (the worker's mails); elsewhere (scripts,
    tests calling a service), English."""
    language = language_var.get()
    return Language(language) if language else Language.en


@contextmanager
def speaking(language: Language) -> Iterator[None]:
    """`tr` in `language` within the block, where no request or command line chose one: the
    worker's mails, in the deployment's language (`ehp_api.notifications.mail`)."""
    token = language_var.set(language.value)
    try:
        yield
    finally:
        language_var.reset(token)


def translate(message: str, language: Language) -> str:
    return catalog(language).gettext(message)


def tr(message: str, /, **params: object) -> str:
    """`message` in the request's language, its `{name}` fields filled from `params`."""
    text = catalog(current_language()).gettext(message)
    return text.format(**params) if params else text


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a marker)
    """Marks a message for the catalog without translating it (translated when shown)."""
    return message


@lru_cache(maxsize=512)
def negotiate(accept_language: str, default: Language) -> Language:
    """French or English from an `Accept-Language` value (RFC 9110: the highest weight wins, the
    first listed between equals; `*` and other languages leave the default). Cached: clients send
    the same few values again and again."""
    best, best_weight = default, 0.0
    for item in accept_language.split(",")[:20]:
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().partition("-")[0]
        if primary not in Language.__members__:
            continue
        weight = _weight(params)
        if weight > best_weight:
            best, best_weight = Language(primary), weight
    return best


def _weight(params: str) -> float:
    name, _, value = params.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        weight = float(value)
    except ValueError:
        return 0.0
    return weight if 0.0 < weight <= 1.0 else 0.0


E = TypeVar("E", bound=Enum)

# Every enum the API shows, with the English label of each value (the French one is its
# translation); `GET /api/v1/labels` serves them, keyed by the enum's schema name.
LABELS: dict[type[Enum], Mapping[Enum, str]] = {}


def enum_labels(enum: type[E], labels: Mapping[E, str]) -> None:
    """Record the labels of `enum`'s values; each value has one, or the import fails."""
    missing = [member.name for member in enum if member not in labels]
    if missing:
        raise ValueError(f"{enum.__name__}: no label for {', '.join(missing)}")
    LABELS[enum] = cast(Mapping[Enum, str], labels)


def label(member: Enum, language: Language) -> str:
    return translate(LABELS[type(member)][member], language)


enum_labels(Language, {Language.fr: N_("French"), Language.en: N_("English")})
