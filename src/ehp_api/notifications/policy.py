"""Who sees and changes which subscription: the principals of its organisation with the role of
whoever made it. A subscription receives what that role may read, so its delivery log shows
events of that role's records: another role of the same organisation (a partner beside its PSEA
focal point) would learn of records it may not read."""

from sqlalchemy import ColumnElement, and_

from ehp_api.core.principal import Principal
from ehp_api.notifications.models import WebhookSubscription


def visible_to(principal: Principal) -> ColumnElement[bool]:
    return and_(
        WebhookSubscription.organisation_id == principal.organisation_id,
        WebhookSubscription.role == principal.role,
    )
