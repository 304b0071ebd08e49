"""Who sees which alert, and how much of it: the source organisation and the secretariat in full,
analysts and other partners restricted (no narrative, no source); a draft is its source's alone."""

from typing import Any

from sqlalchemy import ColumnElement, or_

from ehp_api.alerts.models import Alert, AlertStatus
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.events.policy import Audience, View


def reviews(principal: Principal) -> bool:
    """The secretariat: moves any alert, sees every one past its draft, in full."""
    return principal.can(Permission.alerts_review)


def sees_sources(principal: Principal) -> bool:
    """Roles that record alerts see (and filter by) their source organisation; analysts do not."""
    return principal.can(Permission.alerts_write)


def sees_everything(principal: Principal, alert: Alert) -> bool:
    """The source organisation and the secretariat see an alert in full; others restricted."""
    own = alert.source_organisation_id == principal.organisation_id
    return reviews(principal) or (own and sees_sources(principal))


def visible_to(principal: Principal, row: Any = Alert) -> ColumnElement[bool]:
    """Partners: their own alerts. Secretariat and analysts: every alert past its draft.
    A draft is its source organisation's alone. `row`: the columns to judge (a tombstone's stand
    in for an alert's, `core.changes`)."""
    own = row.source_organisation_id == principal.organisation_id
    if sees_sources(principal) and not reviews(principal):
        return own
    return or_(row.status != AlertStatus.draft, own)


def audience(alert: Alert) -> list[Audience]:
    """Who may be told of an event about the alert, as `visible_to` and `sees_everything` say:
    the source organisation and the secretariat in full, analysts restricted, other partners
    nothing; of a draft, its source alone."""
    source = Audience(Permission.alerts_write, organisation_id=alert.source_organisation_id)
    if alert.status == AlertStatus.draft:
        return [source]
    analysts = Audience(
        Permission.alerts_read, lacking=Permission.alerts_write, view=View.restricted
    )
    return [Audience(Permission.alerts_review), source, analysts]


# Who is told by e-mail that an alert's trigger rules recommend escalation: the secretariat.
RECOMMENDATION_MAIL = [Audience(Permission.alerts_review)]
