"""What callers send and receive. Restricted views leave out what their audience may not see."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ehp_api.alerts.models import AffectedGroup, AlertCategory, AlertKind, AlertStatus, TriggerKind
from ehp_api.core.db import MAX_ID, IsoDate


def _if_sent(**field: Any) -> Any:
    """A field of an update that takes no `null`: absent, its default `None` (which pydantic
    does not validate) leaves the value unchanged; sent as `null`, its type refuses it. Typed
    `Any`, as mypy refuses a `None` default outside the field's type."""
    return Field(None, **field)


SEVERITY_SCALE = (
    "1 minor: an isolated incident, no casualties, no displacement. "
    "2 moderate: harm to a few people, limited and local. "
    "3 serious: several victims or households, or a pattern emerging. "
    "4 severe: deaths or grave injuries, abductions, sexual violence, or a community displaced. "
    "5 critical: mass casualties or displacement, or a threat to a whole population; act now."
)

# An alert id as a link: bounded like the id column, so that a larger number is a 422, not a 500.
LinkId = Annotated[int, Field(ge=1, le=MAX_ID)]


class AlertCreate(BaseModel):
    """The 5W of an alert. No victim names: the narrative describes events, not identities."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "ewrr",
                    "category": "attack_on_civilians",
                    "location": "ML0701",
                    "occurred_on": "2021-05-02",
                    "reported_on": "2021-05-03",
                    "severity": 4,
                    "affected_group": "idps",
                    "affected_people": 120,
                    "narrative": "Armed men entered the site at night ...",
                    "external_ref": "ocha-gao-0412",
                }
            ]
        },
    )

    kind: AlertKind = Field(description="`ehp_referral` (saisine of the EHP) or `ewrr` (MINUSMA).")
    category: AlertCategory = Field(description="What happened.")
    location: str = Field(max_length=12, description="Where: P-code, admin 2 (cercle) when known.")
    occurred_on: IsoDate = Field(description="When it happened.")
    reported_on: IsoDate = Field(description="When it was reported to the source organisation.")
    severity: int = Field(ge=1, le=5, strict=True, description=SEVERITY_SCALE)
    affected_group: AffectedGroup = Field(description="Who was affected (a group, never a name).")
    affected_people: int | None = Field(
        None, ge=0, le=10_000_000, strict=True, description="How many people."
    )
    narrative: str | None = Field(
        None,
        max_length=10_000,
        description="Why / what happened. Restricted: only the source organisation and the "
        "secretariat read it. Never write victims' names.",
    )
    external_ref: str | None = Field(
        None, max_length=200, description="The source's own reference."
    )
    links: list[LinkId] = Field(
        default_factory=list, max_length=50, description="Related alert ids."
    )


class AlertUpdate(BaseModel):
    """Only the fields sent change. Those an alert cannot be without take no `null` (a 422 naming
    the field); `affected_people`, `narrative` and `external_ref` may be emptied with `null`."""

    model_config = ConfigDict(extra="forbid")

    category: AlertCategory = _if_sent(description="What happened.")
    location: str = _if_sent(max_length=12, description="P-code.")
    occurred_on: IsoDate = _if_sent(description="When it happened.")
    reported_on: IsoDate = _if_sent(description="When it was reported.")
    severity: int = _if_sent(ge=1, le=5, strict=True, description=SEVERITY_SCALE)
    affected_group: AffectedGroup = _if_sent(description="Who was affected.")
    affected_people: int | None = Field(
        None, ge=0, le=10_000_000, strict=True, description="How many."
    )
    narrative: str | None = Field(None, max_length=10_000, description="Restricted narrative.")
    external_ref: str | None = Field(None, max_length=200, description="The source's reference.")
    links: list[LinkId] = _if_sent(max_length=50, description="Related alert ids; [] removes them.")


class TriggerEvaluation(BaseModel):
    rule: str = Field(description="Rule code.")
    version: int = Field(description="Rule version the alert was evaluated with.")
    fired: bool = Field(description="Whether the rule fired.")
    inputs: dict[str, Any] = Field(description="What the rule looked at: severity, count, window.")


class DuplicateRef(BaseModel):
    """Another alert that may describe the same events; its restricted fields are not shown."""

    id: int = Field(description="Alert id.")
    kind: AlertKind = Field(description="Kind.")
    category: AlertCategory = Field(description="Category.")
    location: str = Field(description="P-code.")
    occurred_on: date = Field(description="When it happened.")
    severity: int = Field(description="Severity.")
    status: AlertStatus = Field(description="Status.")


class AlertRestricted(BaseModel):
    """An alert as analysts see it: no narrative, no source organisation or its references."""

    id: int = Field(description="Alert id.")
    kind: AlertKind = Field(description="`ehp_referral` or `ewrr`.")
    status: AlertStatus = Field(description="Where it is in its workflow.")
    category: AlertCategory = Field(description="What happened.")
    location: str = Field(description="P-code.")
    admin1: str = Field(description="Region P-code.")
    admin2: str | None = Field(None, description="Cercle P-code, when known.")
    occurred_on: date = Field(description="When it happened.")
    reported_on: date = Field(description="When it was reported.")
    severity: int = Field(description=SEVERITY_SCALE)
    affected_group: AffectedGroup = Field(description="Who was affected.")
    affected_people: int | None = Field(None, description="How many people.")
    liptako_gourma: bool = Field(description="In the Liptako Gourma area on the day it happened.")
    recurrence: int = Field(description="Alerts of this category in this cercle in the window.")
    escalation_recommended: bool = Field(description="At least one trigger rule fired.")
    triggers: list[TriggerEvaluation] = Field(description="Every rule's verdict, with inputs.")
    possible_duplicates: list[DuplicateRef] = Field(description="Same category, cercle, 7 days.")
    links: list[int] = Field(description="Related alert ids.")
    days_to_escalation: int | None = Field(None, description="Submitted to escalated, in days.")
    days_to_activation: int | None = Field(None, description="Shared to activated, in days.")
    days_to_closure: int | None = Field(None, description="Submitted or shared to closed, in days.")
    created_at: datetime = Field(description="Recorded (UTC).")
    updated_at: datetime = Field(description="Last changed (UTC).")


class AlertFull(AlertRestricted):
    """An alert as its source organisation and the secretariat see it."""

    narrative: str | None = Field(None, description="Restricted narrative.")
    external_ref: str | None = Field(None, description="The source's own reference.")
    source_organisation: str = Field(description="Organisation that raised the alert.")
    created_by: str = Field(description="Who recorded it.")


class ReopenIn(BaseModel):
    """Why a closed alert is opened again: it returns to the step it was closed from."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1, max_length=4000, description="Why it is reopened (kept in its timeline)."
    )


class AlertTransitionIn(BaseModel):
    """A step of the workflow. `on` is the day it happened (a step recorded late keeps its date)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to": "shared", "on": "2021-05-04", "note": "shared by OCHA CMCoord"},
                {
                    "to": "escalated",
                    "on": "2021-05-10",
                    "meeting_on": "2021-05-10",
                    "decision": "Advocacy letter to the governor",
                    "accountable_organisation": "HCR",
                    "follow_up_due_on": "2021-05-24",
                },
            ]
        },
    )

    to: AlertStatus = Field(description="The target state.")
    on: IsoDate | None = Field(None, description="When it happened; default today.")
    note: str | None = Field(None, max_length=4000, description="Remark for the timeline.")
    meeting_on: IsoDate | None = Field(
        None, description="escalated: the EHP meeting that took it up."
    )
    decision: str | None = Field(
        None, max_length=2000, description="escalated: what the EHP decided."
    )
    accountable_organisation: str | None = Field(
        None, max_length=32, description="escalated: who follows up."
    )
    follow_up_due_on: IsoDate | None = Field(None, description="escalated: follow-up due date.")
    reason: str | None = Field(
        None, max_length=2000, description="not_escalated / not_activated: why."
    )
    response_type: str | None = Field(None, max_length=200, description="activated: what response.")
    outcome: str | None = Field(None, max_length=2000, description="closed: how it ended.")


class TimelineEntry(BaseModel):
    from_status: AlertStatus | None = Field(None, description="State before (none at creation).")
    to_status: AlertStatus = Field(description="State after.")
    on: date = Field(description="When it happened.")
    details: dict[str, Any] = Field(description="Fields the state needed (decision, reason...).")
    note: str | None = Field(None, description="Remark (restricted audiences do not see it).")
    recorded_at: datetime = Field(description="When it was recorded (UTC).")


class TriggerRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$", description="Stable rule code.")
    kind: TriggerKind = Field(description="`severity` or `recurrence`.")
    description: str = Field(min_length=1, max_length=1000, description="The rule in words.")
    min_severity: int | None = Field(None, ge=1, le=5, description="severity: fire at or above.")
    min_count: int | None = Field(None, ge=2, le=1000, description="recurrence: alerts needed.")
    window_days: int | None = Field(None, ge=1, le=365, description="recurrence: window in days.")


class TriggerRuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = _if_sent(min_length=1, max_length=1000, description="In words.")
    min_severity: int | None = Field(None, ge=1, le=5, description="New threshold.")
    min_count: int | None = Field(None, ge=2, le=1000, description="New count.")
    window_days: int | None = Field(None, ge=1, le=365, description="New window.")
    active: StrictBool = _if_sent(description="False retires the rule (a new version).")


class TriggerRulePublic(BaseModel):
    code: str = Field(description="Rule code.")
    version: int = Field(description="Current version.")
    kind: TriggerKind = Field(description="`severity` or `recurrence`.")
    description: str = Field(description="The rule in words.")
    min_severity: int | None = Field(None, description="severity: threshold.")
    min_count: int | None = Field(None, description="recurrence: alerts needed.")
    window_days: int | None = Field(None, description="recurrence: window in days.")
    active: bool = Field(description="Whether new alerts are evaluated with it.")
    created_by: str = Field(description="Who made this version.")
    created_at: datetime = Field(description="When (UTC).")
