"""Queries over the work plan: axes, objectives and activities."""

from sqlalchemy import and_, exists, or_
from sqlmodel import Session, select

from ehp_api.core.errors import NotFound
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.indicators import service as indicators_service
from ehp_api.organisations.models import Organisation, OrganisationRef
from ehp_api.periods import service as periods_service
from ehp_api.workplan.models import (
    Activity,
    ActivityActor,
    ActivityActorPublic,
    ActivityLead,
    ActivityLeadPublic,
    ActivityPublic,
    ActivitySchedule,
    ActivitySummary,
    Axis,
    AxisPublic,
    Objective,
    ObjectivePublic,
    ObjectiveSummary,
    Strategy,
)


def _ref(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef.model_validate(organisation)


def axis_to_public(axis: Axis) -> AxisPublic:
    return AxisPublic(
        code=axis.code,
        title_fr=axis.title_fr,
        title_en=axis.title_en,
        objectives=[ObjectiveSummary.model_validate(o) for o in axis.objectives],
    )


def objective_to_public(objective: Objective) -> ObjectivePublic:
    return ObjectivePublic(
        code=objective.code,
        axis=objective.axis.code,
        title_fr=objective.title_fr,
        title_en=objective.title_en,
        nexus=objective.nexus,
        activities=[ActivitySummary.model_validate(a) for a in objective.activities],
    )


def activity_to_public(activity: Activity) -> ActivityPublic:
    return ActivityPublic(
        code=activity.code,
        axis=activity.objective.axis.code,
        objective=activity.objective.code,
        title_fr=activity.title_fr,
        title_en=activity.title_en,
        liptako_gourma=activity.liptako_gourma,
        all_ehp_members=activity.all_ehp_members,
        leads_text=activity.leads_text,
        leads=[
            ActivityLeadPublic(organisation=_ref(lead.organisation), role=lead.role)
            for lead in activity.leads
        ],
        other_actors_text=activity.other_actors_text,
        other_actors=[
            ActivityActorPublic(
                organisation=_ref(actor.organisation), note=actor.note, tentative=actor.tentative
            )
            for actor in activity.other_actors
        ],
        planned_periods=indicators_service.period_codes([s.period for s in activity.schedule]),
        schedule_note=activity.schedule_note,
        indicators=[indicators_service.to_public(i) for i in activity.indicators],
    )


def get_strategy(session: Session) -> Strategy:
    strategy = session.exec(select(Strategy).order_by(Strategy.id)).first()
    if strategy is None:
        raise NotFound("No work plan is loaded; run `ehp-api seed`.")
    return strategy


def list_axes(session: Session, page: PageParams) -> tuple[list[Axis], str | None]:
    return paginate(session, select(Axis), Axis.id, page)


def get_axis(session: Session, code: str) -> Axis:
    axis = session.exec(select(Axis).where(Axis.code == code)).first()
    if axis is None:
        raise NotFound(f"No axis has the code {code!r}.")
    return axis


def list_objectives(
    session: Session, page: PageParams, *, axis: str | None = None, nexus: bool | None = None
) -> tuple[list[Objective], str | None]:
    stmt = select(Objective)
    if axis is not None:
        stmt = stmt.where(Objective.code.startswith(f"{axis}."))  # type: ignore[attr-defined]
    if nexus is not None:
        stmt = stmt.where(Objective.nexus == nexus)
    return paginate(session, stmt, Objective.id, page)


def get_objective(session: Session, code: str) -> Objective:
    objective = session.exec(select(Objective).where(Objective.code == code)).first()
    if objective is None:
        raise NotFound(f"No objective has the code {code!r}.")
    return objective


def _led_by(lead: str):  # type: ignore[no-untyped-def]
    """Activities the organisation leads by name, or as an EHP member where `Tout EHP` leads."""
    explicit = (
        select(ActivityLead.activity_id)
        .join(Organisation, Organisation.id == ActivityLead.organisation_id)  # type: ignore[arg-type]
        .where(Organisation.code == lead)
    )
    is_member = exists().where(Organisation.code == lead, Organisation.ehp_member)
    return or_(Activity.id.in_(explicit), and_(Activity.all_ehp_members, is_member))  # type: ignore[union-attr]


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
        stmt = stmt.where(Activity.code.startswith(f"{prefix}."))  # type: ignore[attr-defined]
    if lead is not None:
        stmt = stmt.where(_led_by(lead))
    if actor is not None:
        with_actor = (
            select(ActivityActor.activity_id)
            .join(Organisation, Organisation.id == ActivityActor.organisation_id)  # type: ignore[arg-type]
            .where(Organisation.code == actor)
        )
        stmt = stmt.where(Activity.id.in_(with_actor))  # type: ignore[union-attr]
    if planned_in is not None:
        quarter_ids = [
            p.id for p in periods_service.quarters_of(session, planned_in, query_field="planned_in")
        ]
        planned = select(ActivitySchedule.activity_id).where(
            ActivitySchedule.period_id.in_(quarter_ids)  # type: ignore[attr-defined]
        )
        stmt = stmt.where(Activity.id.in_(planned))  # type: ignore[union-attr]
    if liptako_gourma is not None:
        stmt = stmt.where(Activity.liptako_gourma == liptako_gourma)
    return paginate(session, stmt, Activity.id, page)


def get_activity(session: Session, code: str) -> Activity:
    activity = session.exec(select(Activity).where(Activity.code == code)).first()
    if activity is None:
        raise NotFound(f"No activity has the code {code!r}.")
    return activity
