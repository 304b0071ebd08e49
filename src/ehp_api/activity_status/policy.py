"""Who may give an activity's status: its leads, each its own; the secretariat for any lead (an
amendment when it changes a lead's word) or for itself."""

from sqlmodel import Session, select

from ehp_api.core.errors import Forbidden
from ehp_api.core.i18n import tr
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.organisations.models import Organisation
from ehp_api.workplan.models import Activity, ActivityLead


def leads(session: Session, activity: Activity) -> set[int]:
    """The organisations that lead it: named in its lead cell, or every EHP member (Tout EHP)."""
    named = select(ActivityLead.organisation_id).where(ActivityLead.activity_id == activity.id)
    found = set(session.exec(named).all())
    if activity.all_ehp_members:
        members = select(Organisation.id).where(Organisation.ehp_member)
        found |= set(session.exec(members).all())
    return found


def organisation_for(
    session: Session, principal: Principal, activity: Activity, named: int | None
) -> int:
    """The organisation whose status the caller gives; Forbidden when it may not."""
    own = principal.organisation_id
    if principal.can(Permission.activity_status_write_any):
        chosen = named if named is not None else own
        if chosen != own and chosen not in leads(session, activity):
            raise Forbidden(
                tr(
                    "That organisation does not lead activity {code}.",
                    code=activity.code,
                )
            )
        return chosen or 0
    if named is not None and named != own:
        raise Forbidden(
            tr(
                "You give the status of {organisation_code} only.",
                organisation_code=principal.organisation_code,
            )
        )
    if own not in leads(session, activity):
        raise Forbidden(
            tr(
                "{organisation_code} does not lead activity {code}: its leads give "
                "its status, and the secretariat amends it.",
                organisation_code=principal.organisation_code,
                code=activity.code,
            )
        )
    return own or 0
