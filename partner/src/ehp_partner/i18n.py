"""Messages in English, marked as the server marks its own (`tr("...")`, `N_("...")`), so that the
server's French catalog holds them too (`make messages` reads `partner/src`).

The kit speaks English: a `Message` is its text with the named fields filled. The server renders
the same `Message` with its own `tr`, in the request's language.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Translate = Callable[..., str]


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "marked, translated later")
    return message


def english(message: str, /, **params: object) -> str:
    """`message` with its `{name}` fields filled: the message ids are the English texts."""
    return message.format(**params) if params else message


@dataclass(frozen=True)
class Message:
    """A message id and its fields, translated when rendered; a field may be a Message too."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Translate = english) -> str:
        params = {
            k: v.render(translate) if isinstance(v, Message) else v for k, v in self.params.items()
        }
        return translate(self.id, **params)

    def __str__(self) -> str:
        return self.render()


def tr(message: str, /, **params: object) -> Message:
    """Marked for the catalog; rendered later, by whoever shows it."""
    return Message(message, params)
