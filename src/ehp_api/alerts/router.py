"""/alerts and /trigger-rules: saisines of the EHP and alerts shared with MINUSMA's EWRR."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from ehp_api.alerts import policy, render, service, triggers, workflow
from ehp_api.alerts.models import Alert, AlertCategory, AlertKind, AlertStatus, TriggerRule
from ehp_api.alerts.schemas import (
    AlertCreate,
    AlertFull,
    AlertRestricted,
    AlertTransitionIn,
    AlertUpdate,
    ReopenIn,
    TimelineEntry,
    TriggerRuleIn,
    TriggerRulePublic,
    TriggerRuleUpdate,
)
from ehp_api.core import row_locks
from ehp_api.core.db import RecordId, SessionDep, WriteSessionFactoryDep, writes_when
from ehp_api.core.errors import Forbidden, problem_responses
from ehp_api.core.guards import require
from ehp_api.core.i18n import N_, tr
from ehp_api.core.pagination import Page, PageDep
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.locations.models import Zone
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.web.idempotency import Answer, Idempotency, idempotent
from ehp_api.web.sync import SYNC_PARAMS, SYNCED, SyncDep, announce_watermark
from ehp_api.web.validators import (
    CACHEABLE,
    VERSIONED,
    IfMatch,
    check_if_match,
    check_seen,
    listed,
    tagged,
    versioned,
)

router = APIRouter(tags=["alerts"])

Read = Annotated[Principal, require(Permission.alerts_read)]
Write = Annotated[Principal, require(Permission.alerts_write)]
Review = Annotated[Principal, require(Permission.alerts_review)]
ManageRules = Annotated[Principal, require(Permission.trigger_rules_manage)]
AlertRetry = Annotated[Idempotency, idempotent("alerts.create")]
RuleRetry = Annotated[Idempotency, idempotent("trigger_rules.create")]
AlertView = AlertFull | AlertRestricted


@router.post("/alerts", response_model=AlertFull, status_code=201)
def create_alert(
    session: SessionDep, data: AlertCreate, principal: Write, retry: AlertRetry
) -> Response:
    """Record an alert (as a draft) with its 5W; the trigger rules judge it at once."""

    def create() -> Answer:
        alert = service.create(session, principal, data)
        return 201, render.render_one(session, principal, alert)

    return retry.once(data, create)


@router.get("/alerts", response_model=Page[AlertView], responses=SYNCED)
@writes_when(*SYNC_PARAMS)  # on SQLite, the watermark waits for no writer
def list_alerts(
    session: SessionDep,
    page: PageDep,
    principal: Read,
    response: Response,
    sync: SyncDep,
    kind: Annotated[AlertKind | None, Query(description="Kind.")] = None,
    status: Annotated[AlertStatus | None, Query(description="Workflow state.")] = None,
    category: Annotated[AlertCategory | None, Query(description="Category.")] = None,
    severity: Annotated[int | None, Query(ge=1, le=5, description="Exactly this severity.")] = None,
    min_severity: Annotated[int | None, Query(ge=1, le=5, description="At least this.")] = None,
    location: Annotated[
        str | None, Query(description="P-code; a region includes its cercles.")
    ] = None,
    zone: Annotated[Zone | None, Query(description="Zone.")] = None,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN, description="Occurred in.")] = None,
    escalation_recommended: Annotated[bool | None, Query(description="A trigger fired.")] = None,
    source_organisation: Annotated[
        str | None, Query(description="Source organisation (not for restricted audiences).")
    ] = None,
) -> Response:
    """List the alerts you may see (restricted audiences: no narrative, no source)."""
    if source_organisation is not None and not policy.sees_sources(principal):
        raise Forbidden(tr("Your role does not see the source organisation of alerts."))
    bounds = None
    if period is not None:
        quarters = periods_service.quarters_of(session, period, query_field="period")
        bounds = (quarters[0].starts_on, quarters[-1].ends_on)
    filters = {
        "kind": kind,
        "status": status,
        "category": category,
        "severity": severity,
        "min_severity": min_severity,
        "location": location,
        "zone": zone,
        "period": bounds,
        "escalation_recommended": escalation_recommended,
        "source_organisation": source_organisation,
        "updated_since": sync.updated_since,
    }
    announce_watermark(session, response, sync.asked)
    items, next_cursor = service.list_(session, principal, page, filters, sync.order)
    found = Page(
        items=render.render(session, principal, items), limit=page.limit, next_cursor=next_cursor
    )
    return listed(found, response)


@router.get("/alerts/{alert_id}", response_model=AlertView, responses=CACHEABLE)
def get_alert(
    request: Request,
    session: SessionDep,
    alert_id: RecordId,
    principal: Read,
    sessions: WriteSessionFactoryDep,
) -> Response:
    """Get one alert, with its triggers, possible duplicates and links; `ETag` its version."""
    alert = service.get(session, principal, alert_id)
    return versioned(request, render.render_one(session, principal, alert, record_in=sessions))


def _seen(session: Session, principal: Principal, alert_id: int, if_match: str | None) -> Alert:
    """The alert, locked; 412 if `If-Match` names another version than the caller's now."""
    alert = service.get(session, principal, alert_id, lock=True)
    if if_match is not None:
        check_if_match(if_match, render.render(session, principal, [alert])[0], N_("alert"))
    return alert


@router.patch(
    "/alerts/{alert_id}", response_model=AlertFull, responses=problem_responses(412) | VERSIONED
)
def update_alert(
    session: SessionDep,
    alert_id: RecordId,
    data: AlertUpdate,
    principal: Write,
    if_match: IfMatch = None,
) -> Response:
    """Correct an alert's 5W (its source organisation or the secretariat); triggers judged again."""
    _seen(session, principal, alert_id, if_match)
    alert = service.update(session, principal, alert_id, data)
    return tagged(render.render_one(session, principal, alert))


@router.get("/alerts/{alert_id}/timeline", response_model=list[TimelineEntry])
def get_alert_timeline(
    session: SessionDep, alert_id: RecordId, principal: Read
) -> list[TimelineEntry]:
    """Every step of the alert, with the day it happened and what it needed."""
    return render.timeline(session, principal, service.get(session, principal, alert_id))


@router.post(
    "/alerts/{alert_id}/transitions",
    response_model=AlertFull,
    responses=problem_responses(409, 412) | VERSIONED,
)
def transition_alert(
    session: SessionDep,
    alert_id: RecordId,
    data: AlertTransitionIn,
    principal: Write,
    if_match: IfMatch = None,
) -> Response:
    """Move the alert a step along its workflow; 409 names its state and the possible steps."""
    alert = _seen(session, principal, alert_id, if_match)
    moved = workflow.transition(session, principal, alert, data)
    return tagged(render.render_one(session, principal, moved))


@router.post(
    "/alerts/{alert_id}/reopen",
    response_model=AlertFull,
    responses=problem_responses(409, 412) | VERSIONED,
)
def reopen_alert(
    session: SessionDep,
    alert_id: RecordId,
    data: ReopenIn,
    principal: Review,
    if_match: IfMatch = None,
) -> Response:
    """Reopen a closed alert (the secretariat), back to the step it was closed from, on record."""
    alert = _seen(session, principal, alert_id, if_match)
    return tagged(
        render.render_one(session, principal, workflow.reopen(session, principal, alert, data))
    )


@router.get("/trigger-rules", response_model=list[TriggerRulePublic])
def list_trigger_rules(session: SessionDep, _: Read) -> list[TriggerRulePublic]:
    """The current version of every trigger rule."""
    return [triggers.to_public(r) for r in triggers.current_rules(session)]


@router.post(
    "/trigger-rules",
    response_model=TriggerRulePublic,
    status_code=201,
    responses=problem_responses(409),
)
def create_trigger_rule(
    session: SessionDep, data: TriggerRuleIn, actor: ManageRules, retry: RuleRetry
) -> Response:
    """Add a trigger rule (version 1)."""
    return retry.once(
        data, lambda: (201, triggers.to_public(triggers.create(session, actor, data)))
    )


@router.patch(
    "/trigger-rules/{code}",
    response_model=TriggerRulePublic,
    responses=problem_responses(412) | VERSIONED,
)
def update_trigger_rule(
    session: SessionDep,
    code: Annotated[str, Path(min_length=1, max_length=60, description="Trigger rule code.")],
    data: TriggerRuleUpdate,
    actor: ManageRules,
    if_match: IfMatch = None,
) -> Response:
    """Change a rule: a new version; alerts already judged keep the version that judged them."""
    check_seen(
        session,
        if_match,
        row_locks.rows(TriggerRule, code=code),  # its versions: a change adds one
        lambda: triggers.to_public(triggers.current_rule(session, code)),
        N_("trigger rule"),
    )
    return tagged(triggers.to_public(triggers.update(session, actor, code, data)))
