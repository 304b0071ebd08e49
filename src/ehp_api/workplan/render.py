"""Records to response shapes."""

from ehp_api.indicators import render as indicators_render
from ehp_api.indicators import service as indicators_service
from ehp_api.organisations.models import Organisation
from ehp_api.organisations.schemas import OrganisationRef
from ehp_api.workplan.models import (
    Activity,
    Axis,
    Objective,
)
from ehp_api.workplan.schemas import (
    ActivityActorPublic,
    ActivityLeadPublic,
    ActivityPublic,
    ActivitySummary,
    AxisPublic,
    ObjectivePublic,
    ObjectiveSummary,
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
        indicators=[indicators_render.to_public(i) for i in activity.indicators],
    )
