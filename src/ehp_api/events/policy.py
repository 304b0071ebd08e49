"""Who may receive an event: rules the emitting domain writes from its own visibility rules, and
the view (full or restricted) each receiver gets, decided from the receiver's permissions alone."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ehp_api.core.permissions import Permission


class View(StrEnum):
    full = "full"
    restricted = "restricted"


@dataclass(frozen=True)
class Audience:
    """Receivers holding `permission` (and not `lacking`), of `organisation_id` when it is set,
    get the event in the given view. A receiver matched by no rule gets nothing."""

    permission: Permission
    organisation_id: int | None = None
    lacking: Permission | None = None
    view: View = View.full

    def as_json(self) -> dict[str, Any]:
        return {
            "permission": self.permission.value,
            "organisation_id": self.organisation_id,
            "lacking": self.lacking.value if self.lacking else None,
            "view": self.view.value,
        }


def view_for(
    rules: list[dict[str, Any]], permissions: frozenset[Permission], organisation_id: int | None
) -> View | None:
    """The view the first matching rule gives the receiver, or None: it may not know of it."""
    for rule in rules:
        if rule["permission"] not in permissions:
            continue
        if rule["lacking"] is not None and rule["lacking"] in permissions:
            continue
        if rule["organisation_id"] is not None and rule["organisation_id"] != organisation_id:
            continue
        return View(rule["view"])
    return None
