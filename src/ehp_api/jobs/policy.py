"""What the overdue digest may tell each recipient: the complaints only the PSEA network reads go
to PSEA focal points alone; the secretariat gets the others and the alerts' follow-ups."""

from sqlalchemy import ColumnElement

from ehp_api.complaints import policy as complaints_policy
from ehp_api.complaints.models import Complaint
from ehp_api.core.permissions import Permission, Role
from ehp_api.core.principal import Principal

# Who receives the digest: the roles that follow deadlines across organisations.
RECIPIENT_ROLES = (Role.secretariat, Role.psea_focal_point)


def digest_complaints(principal: Principal) -> ColumnElement[bool] | None:
    """The overdue complaints the recipient's digest lists (None: none). A PSEA focal point
    gets the confidential ones (SEA allegations, and complaints marked sensitive), which no one
    else may learn of; the secretariat the ones it reads (never a confidential one)."""
    if principal.can(Permission.complaints_confidential):
        return Complaint.sensitive.is_(True)
    if principal.can(Permission.complaints_configure):
        return complaints_policy.visible_to(principal)
    return None


def digest_alerts(principal: Principal) -> bool:
    """Whether the digest lists the escalated alerts whose follow-up is overdue."""
    return principal.can(Permission.alerts_review)
