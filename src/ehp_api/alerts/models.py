"""Protection alerts: referrals to the EHP (saisines) and alerts shared with MINUSMA's EWRR."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ehp_api.core import changes
from ehp_api.core.db import UTCDateTime, enum_type, utcnow
from ehp_api.core.i18n import N_, enum_labels


class AlertKind(StrEnum):
    ehp_referral = "ehp_referral"
    ewrr = "ewrr"


class AlertStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    escalated = "escalated"
    not_escalated = "not_escalated"
    shared = "shared"
    acknowledged = "acknowledged"
    activated = "activated"
    not_activated = "not_activated"
    closed = "closed"


class AlertCategory(StrEnum):
    killing_or_maiming = "killing_or_maiming"
    abduction = "abduction"
    gender_based_violence = "gender_based_violence"
    recruitment_of_children = "recruitment_of_children"
    attack_on_civilians = "attack_on_civilians"
    forced_displacement = "forced_displacement"
    denial_of_humanitarian_access = "denial_of_humanitarian_access"
    extortion = "extortion"
    arbitrary_arrest_or_detention = "arbitrary_arrest_or_detention"
    destruction_of_property = "destruction_of_property"
    explosive_ordnance = "explosive_ordnance"
    other = "other"


class AffectedGroup(StrEnum):
    idps = "idps"
    refugees = "refugees"
    returnees = "returnees"
    host_community = "host_community"
    general_population = "general_population"
    children = "children"
    women_and_girls = "women_and_girls"
    humanitarian_workers = "humanitarian_workers"
    other = "other"


class TriggerKind(StrEnum):
    severity = "severity"
    recurrence = "recurrence"


enum_labels(
    AlertKind,
    {
        AlertKind.ehp_referral: N_("Referral to the EHP (saisine)"),
        AlertKind.ewrr: N_("EWRR alert (MINUSMA)"),
    },
)
enum_labels(
    AlertStatus,
    {
        AlertStatus.draft: N_("Draft"),
        AlertStatus.submitted: N_("Submitted"),
        AlertStatus.under_review: N_("Under review"),
        AlertStatus.escalated: N_("Escalated"),
        AlertStatus.not_escalated: N_("Not escalated"),
        AlertStatus.shared: N_("Shared"),
        AlertStatus.acknowledged: N_("Acknowledged"),
        AlertStatus.activated: N_("Activated"),
        AlertStatus.not_activated: N_("Not activated"),
        AlertStatus.closed: N_("Closed"),
    },
)
enum_labels(
    AlertCategory,
    {
        AlertCategory.killing_or_maiming: N_("Killing or maiming"),
        AlertCategory.abduction: N_("Abduction"),
        AlertCategory.gender_based_violence: N_("Gender-based violence"),
        AlertCategory.recruitment_of_children: N_("Recruitment of children"),
        AlertCategory.attack_on_civilians: N_("Attack on civilians"),
        AlertCategory.forced_displacement: N_("Forced displacement"),
        AlertCategory.denial_of_humanitarian_access: N_("Denial of humanitarian access"),
        AlertCategory.extortion: N_("Extortion"),
        AlertCategory.arbitrary_arrest_or_detention: N_("Arbitrary arrest or detention"),
        AlertCategory.destruction_of_property: N_("Destruction of property"),
        AlertCategory.explosive_ordnance: N_("Explosive ordnance"),
        AlertCategory.other: N_("Other"),
    },
)
enum_labels(
    AffectedGroup,
    {
        AffectedGroup.idps: N_("Internally displaced people"),
        AffectedGroup.refugees: N_("Refugees"),
        AffectedGroup.returnees: N_("Returnees"),
        AffectedGroup.host_community: N_("Host community"),
        AffectedGroup.general_population: N_("General population"),
        AffectedGroup.children: N_("Children"),
        AffectedGroup.women_and_girls: N_("Women and girls"),
        AffectedGroup.humanitarian_workers: N_("Humanitarian workers"),
        AffectedGroup.other: N_("Other"),
    },
)
enum_labels(
    TriggerKind,
    {
        TriggerKind.severity: N_("Severity"),
        TriggerKind.recurrence: N_("Recurrence"),
    },
)


class Alert(SQLModel, table=True):
    __tablename__ = "alerts"
    __table_args__ = (
        # Sync: the list by change (`order=changed`, `updated_since`).
        Index("ix_alerts_updated_at_id", "updated_at", "id"),
        # A place's alerts in id order (the list filtered by place): with the place's index
        # alone, PostgreSQL walked the alerts in id order and read every other place's too.
        Index("ix_alerts_location_id_id", "location_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: AlertKind = Field(sa_type=enum_type(AlertKind), index=True)
    status: AlertStatus = Field(sa_type=enum_type(AlertStatus), index=True)
    category: AlertCategory = Field(sa_type=enum_type(AlertCategory), index=True)
    location_id: int = Field(foreign_key="locations.id")
    admin2_id: int | None = Field(default=None, foreign_key="locations.id", index=True)
    occurred_on: date = Field(index=True)
    reported_on: date
    severity: int
    affected_group: AffectedGroup = Field(sa_type=enum_type(AffectedGroup))
    affected_people: int | None = None
    narrative: str | None = None
    external_ref: str | None = Field(default=None, max_length=200)
    source_organisation_id: int = Field(foreign_key="organisations.id", index=True)
    liptako_gourma: bool = False
    recurrence: int = 1
    escalation_recommended: bool = False
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# A draft is its source's alone; a new source organisation takes the alert from the old one.
changes.track(Alert, "alert", status="status", organisation_id="source_organisation_id")


class AlertLink(SQLModel, table=True):
    """A link between two alerts (about the same events, a follow-up...), stored once per pair."""

    __tablename__ = "alert_links"

    alert_id: int = Field(foreign_key="alerts.id", primary_key=True, ondelete="CASCADE")
    linked_id: int = Field(foreign_key="alerts.id", primary_key=True, ondelete="CASCADE")


class AlertEvent(SQLModel, table=True):
    """One step of an alert's timeline; `on` is the day it happened, not the day it was typed."""

    __tablename__ = "alert_events"
    # The computed indicators and the dashboard count the steps reached in a date range (from
    # the index alone), and read the day one alert reached a given step.
    __table_args__ = (
        Index("ix_alert_events_to_status_on", "to_status", "on", "liptako_gourma"),
        Index("ix_alert_events_alert_id_to_status", "alert_id", "to_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", ondelete="CASCADE")
    liptako_gourma: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": "0"},
        description="The alert's `liptako_gourma`, copied so that counts need not join alerts.",
    )
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    on: date = Field(index=True)
    note: str | None = Field(default=None, max_length=4000)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recorded_by: str = Field(max_length=254)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TriggerRule(SQLModel, table=True):
    """One version of a trigger rule; a change makes a new version, old alerts keep theirs."""

    __tablename__ = "trigger_rules"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, index=True)
    version: int
    kind: TriggerKind = Field(sa_type=enum_type(TriggerKind))
    description: str = Field(max_length=1000)
    min_severity: int | None = None
    min_count: int | None = None
    window_days: int | None = None
    active: bool = True
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AlertTrigger(SQLModel, table=True):
    """How a rule version judged an alert, with the inputs it looked at."""

    __tablename__ = "alert_triggers"

    alert_id: int = Field(foreign_key="alerts.id", primary_key=True, ondelete="CASCADE")
    rule_id: int = Field(foreign_key="trigger_rules.id", primary_key=True)
    fired: bool
    inputs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    evaluated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
