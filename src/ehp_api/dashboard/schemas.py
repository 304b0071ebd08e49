"""The quarterly protection dashboard, as the EHP receives it."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from ehp_api.activity_status.schemas import ActivityStatusPublic
from ehp_api.core.i18n import N_, enum_labels
from ehp_api.indicators.models import Aggregation, IndicatorSource, MeasureType
from ehp_api.progress.schemas import IndicatorFigures


class ReportingStatus(StrEnum):
    """Whether the indicators planned under an axis, objective or activity were reported."""

    reported = "reported"
    partial = "partial"
    not_reported = "not_reported"
    not_planned = "not_planned"


class Count(BaseModel):
    key: str = Field(description="What is counted (a category, a P-code...).")
    count: int | None = Field(description="The count; null when suppressed.")
    suppressed: bool = Field(
        False, description="A small count hidden so no one can be singled out."
    )


class Completeness(BaseModel):
    planned: int = Field(
        description="Indicators reported by partners (manual) planned in the period."
    )
    reported: int = Field(description="Of those, with a value for the period.")
    computed: int = Field(
        0,
        description="Computed indicators planned in the period: not counted above, their value "
        "comes from the service's records (listed with it).",
    )


class DashboardIndicator(IndicatorFigures):
    code: str = Field(description="Indicator code.")
    text_fr: str = Field(description="The indicator (French).")
    measure: MeasureType = Field(description="`count`, `percentage` or `boolean`.")
    source: IndicatorSource = Field(description="Readings or the service's records.")
    aggregation: Aggregation = Field(description="How organisations combine: sum or collective.")
    planned: bool = Field(description="Planned in the period.")
    reported: bool = Field(description="Has a value for the period.")
    cumulative_value: float | int | bool | None = Field(
        None, description="Since the start of the plan, to the end of the period."
    )


class DashboardActivity(BaseModel):
    code: str = Field(description="Activity code.")
    title_fr: str = Field(description="The activity (French).")
    planned: bool = Field(description="Planned in the period.")
    status: ReportingStatus = Field(description="Reporting status of its planned indicators.")
    completeness: Completeness = Field(description="Planned indicators with a value.")
    lead_status: list[ActivityStatusPublic] = Field(
        description="Each lead's word on how the activity goes (for a year, its latest quarter)."
    )
    indicators: list[DashboardIndicator] = Field(description="Its indicators.")


class DashboardObjective(BaseModel):
    code: str = Field(description="Objective code.")
    title_fr: str = Field(description="The objective (French).")
    status: ReportingStatus = Field(description="Reporting status of its planned indicators.")
    completeness: Completeness = Field(description="Planned indicators with a value.")
    activities: list[DashboardActivity] = Field(description="Its activities.")


class DashboardAxis(BaseModel):
    code: str = Field(description="Axis number.")
    title_fr: str = Field(description="The axis (French).")
    status: ReportingStatus = Field(description="Reporting status of its planned indicators.")
    completeness: Completeness = Field(description="Planned indicators with a value.")
    objectives: list[DashboardObjective] = Field(description="Its objectives.")


class AlertsSection(BaseModel):
    total: int = Field(description="Alerts (past their draft) whose events occurred in the period.")
    liptako_gourma_share: float | None = Field(None, description="Part (0-100) in Liptako Gourma.")
    by_kind: list[Count] = Field(description="By kind.")
    by_status: list[Count] = Field(description="By current status.")
    by_category: list[Count] = Field(description="By category.")
    by_severity: list[Count] = Field(description="By severity.")
    by_region: list[Count] = Field(description="By region (admin 1).")
    by_cercle: list[Count] = Field(description="By cercle (admin 2): small counts suppressed.")
    escalations: int = Field(description="EHP referrals escalated in the period.")
    ewrr_activations: int = Field(description="EWRR alerts activated in the period.")
    median_days_to_escalation: float | None = Field(
        None, description="Submitted to escalated, for the referrals escalated in the period."
    )


class ComplaintsSection(BaseModel):
    received: int = Field(
        description="Complaints and feedback received in the period; for every role but the PSEA "
        "focal point without any confidential one (`excludes_confidential`)."
    )
    referred: int = Field(description="First referred to an organisation in the period.")
    responded: int = Field(description="Answered in the period.")
    adjusted: int = Field(description="Closed in the period with a change in the response.")
    overdue: int = Field(
        description="Past their referral or response deadline at the period's end."
    )
    median_days_to_response: float | None = Field(
        None, description="Received to answered, for those answered in the period."
    )
    by_channel: list[Count] = Field(description="Non-confidential complaints by channel.")
    by_category: list[Count] = Field(description="Non-confidential complaints by category.")
    confidential: Count = Field(
        description="Confidential complaints received in the period (SEA allegations too, for "
        "PSEA focal points only): one number, suppressed when small, for everyone; a year's is "
        "suppressed too when one of its quarters' is."
    )
    excludes_sea: bool = Field(
        description="True: every count of this section leaves SEA allegations out (every role "
        "but the PSEA focal point); ask the PSEA focal point."
    )
    excludes_confidential: bool = Field(
        description="True: no count of this section but `confidential` counts the confidential "
        "complaints (every role but the PSEA focal point), so no difference of two figures "
        "gives back a number `confidential` suppresses."
    )
    notes: list[str] = Field(
        default_factory=list, description="What the counts leave out, in words."
    )


class Dashboard(BaseModel):
    period: str = Field(description="The quarter or year.")
    starts_on: date = Field(description="First day of the period.")
    ends_on: date = Field(description="Last day of the period.")
    generated_at: datetime = Field(description="When this dashboard was computed (UTC).")
    small_cell_threshold: int | None = Field(
        None,
        description="Counts from 1 to this minus one are suppressed for your role; null: none.",
    )
    completeness: Completeness = Field(description="The whole plan.")
    axes: list[DashboardAxis] = Field(description="The plan's progress.")
    alerts: AlertsSection = Field(description="Protection alerts.")
    complaints: ComplaintsSection = Field(description="Community complaints and feedback.")


class TimelineCell(BaseModel):
    period: str = Field(description="Quarter.")
    planned: bool = Field(description="Planned then.")
    reported: bool = Field(description="A validated value exists for one of its indicators.")


class TimelineActivity(BaseModel):
    code: str = Field(description="Activity code.")
    title_fr: str = Field(description="The activity (French).")
    quarters: list[TimelineCell] = Field(description="2020Q1 to 2022Q4.")


enum_labels(
    ReportingStatus,
    {
        ReportingStatus.reported: N_("Reported"),
        ReportingStatus.partial: N_("Partly reported"),
        ReportingStatus.not_reported: N_("Not reported"),
        ReportingStatus.not_planned: N_("Nothing planned"),
    },
)
