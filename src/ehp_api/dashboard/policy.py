"""Who gets which dashboard: the alerts in full, or broad figures with small cells suppressed."""

from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal


def sees_alerts_in_full(principal: Principal) -> bool:
    """Whoever reviews alerts (the secretariat) sees every alert count, however small; everyone
    else gets broad figures, a count under the small-cell threshold suppressed."""
    return principal.can(Permission.alerts_review)
