"""Queries over the work plan: axes, objectives and activities."""

from sqlalchemy import and_, exists, or_
from sqlmodel import Session, select

from ehp_api.core.errors import NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service
from ehp_api.workplan.models import (
    Activity,
    ActivityActor,
    ActivityLead,
    ActivitySchedule,
    Axis,
    Objective,
    Strategy,
)


def get_strategy(session: Session) -> Strategy:
    strategy = session.exec(select(Strategy).order_by(Strategy.id)).first()
    if strategy is None:
        raise NotFound(tr("No work plan is loaded; run `ehp-api seed`."))
    return strategy


def list_axes(session: Session, page: PageParams) -> tuple[list[Axis], str | None]:
    return paginate(session, select(Axis), Axis.id, page)


def get_axis(session: Session, code: str) -> Axis:
    axis = session.exec(select(Axis).where(Axis.code == code)).first()
    if axis is None:
        raise NotFound(
            tr(
                "No axis has the code {code!r}.",
                code=code,
            )
        )
    return axis


def list_objectives(
    session: Session, page: PageParams, *, axis: str | None = None, nexus: bool | None = None
) -> tuple[list[Objective], str | None]:
    stmt = select(Objective)
    if axis is not None:
        stmt = stmt.where(Objective.code.startswith(f"{axis}."))
    if nexus is not None:
        stmt = stmt.where(Objective.nexus == nexus)
    return paginate(session, stmt, Objective.id, page)


def get_objective(session: Session, code: str) -> Objective:
    objective = session.exec(select(Objective).where(Objective.code == code)).first()
    if objective is None:
        raise NotFound(
            tr(
                "No objective has the code {code!r}.",
                code=code,
            )
        )
    return objective


def _led_by(lead: str):
    """Activities the organisation leads by name, or as an EHP member where `Tout EHP` leads."""
    explicit = (
        select(ActivityLead.activity_id)
        .join(Organisation, Organisation.id == ActivityLead.organisation_id)
        .where(Organisation.code == lead)
    )
    is_member = exists().where(Organisation.code == lead, Organisation.ehp_member)
    return or_(Activity.id.in_(explicit), and_(Activity.all_ehp_members, is_member))


def list_activities(
    session: Session,
    page: PageParams,
    *,
    within: tuple[str | None, ...] = (),
    lead: str | None = None,
    actor: str | None = None,
    planned_in: str | None = None,
    liptako_gourma: bool | None = None,
) -> tuple[list[Activity], str | None]:
    stmt = select(Activity)
    for prefix in filter(None, within):
        stmt = stmt.where(Activity.code.startswith(f"{prefix}."))
    if lead is not None:
        stmt = stmt.where(_led_by(lead))
    if actor is not None:
        with_actor = (
            select(ActivityActor.activity_id)
            .join(Organisation, Organisation.id == ActivityActor.organisation_id)
            .where(Organisation.code == actor)
        )
        stmt = stmt.where(Activity.id.in_(with_actor))
    if planned_in is not None:
        quarter_ids = [
            p.id for p in periods_service.quarters_of(session, planned_in, query_field="planned_in")
        ]
        planned = select(ActivitySchedule.activity_id).where(
            ActivitySchedule.period_id.in_(quarter_ids)
        )
        stmt = stmt.where(Activity.id.in_(planned))
    if liptako_gourma is not None:
        stmt = stmt.where(Activity.liptako_gourma == liptako_gourma)
    return paginate(session, stmt, Activity.id, page)


def get_activity(session: Session, code: str) -> Activity:
    activity = session.exec(select(Activity).where(Activity.code == code)).first()
    if activity is None:
        raise NotFound(
            tr(
                "No activity has the code {code!r}.",
                code=code,
            )
        )
    return activity
