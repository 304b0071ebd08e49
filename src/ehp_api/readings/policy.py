"""Who sees which readings and which of their fields, and who may write for whom."""

from typing import Any

from sqlalchemy import ColumnElement, or_, true
from sqlmodel import col

from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.events.policy import Audience
from ehp_api.readings.models import Reading, ReadingStatus


def visible_to(principal: Principal, row: Any = Reading) -> ColumnElement[bool] | None:
    """What the caller may read: all (secretariat), its own and validated ones (partner), or
    validated ones only. Lists and lookups both go through this: another organisation's
    unvalidated reading is simply not found. `row`: the columns to judge (a tombstone's stand in
    for a reading's, `core.changes`)."""
    if principal.can(Permission.readings_review):
        return None
    validated = row.status == ReadingStatus.validated
    if principal.can(Permission.readings_write):
        return or_(row.organisation_id == principal.organisation_id, validated)
    return validated


def drafts_visible_to(principal: Principal) -> ColumnElement[bool] | None:
    """Whose unvalidated values the caller may read (a correction awaiting review): all of them
    (secretariat), its own organisation's (partner), or none (`None`)."""
    if principal.can(Permission.readings_review):
        return true()
    if principal.can(Permission.readings_write):
        return col(Reading.organisation_id) == principal.organisation_id
    return None


def sees_whole_history(principal: Principal, reading: Reading) -> bool:
    """The secretariat and the reading's own organisation see every change; others, who see the
    reading only because it is validated, its validations only."""
    return principal.can(Permission.readings_review) or (
        reading.organisation_id == principal.organisation_id
    )


def may_write_any(principal: Principal) -> bool:
    """The secretariat posts and changes readings for any organisation; a partner for its own."""
    return principal.can(Permission.readings_write_any)


def audience(reading: Reading) -> list[Audience]:
    """Who is told of an event about an unvalidated reading (its rejection, with the reason):
    those of its organisation who read its unvalidated readings (`drafts_visible_to`)."""
    return [Audience(Permission.readings_write, organisation_id=reading.organisation_id)]
