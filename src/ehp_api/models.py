"""Registry of every table model: import this before using `SQLModel.metadata`."""

from ehp_api.access.models import AccessToken, ApiKey, User
from ehp_api.alerts.models import Alert, AlertEvent, AlertLink, AlertTrigger, TriggerRule
from ehp_api.audit.models import AuditEvent
from ehp_api.complaints.models import (
    Complaint,
    ComplaintDeadline,
    ComplaintStep,
    KoboForm,
    VictimAssistance,
)
from ehp_api.dashboard.snapshots import DashboardSnapshot
from ehp_api.idempotency import IdempotencyKey
from ehp_api.indicators.models import (
    DisaggregationCategory,
    DisaggregationOption,
    Indicator,
    IndicatorDisaggregation,
    IndicatorSchedule,
)
from ehp_api.locations.models import FocusArea, FocusAreaMember, FocusAreaVersion, Location
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period, PeriodLock
from ehp_api.ratelimit import RateLimitCounter
from ehp_api.readings.models import Reading, ReadingHistory, ReadingTotal
from ehp_api.workplan.models import (
    Activity,
    ActivityActor,
    ActivityLead,
    ActivitySchedule,
    Axis,
    Objective,
    Strategy,
)

__all__ = [
    "AccessToken",
    "Activity",
    "ActivityActor",
    "ActivityLead",
    "ActivitySchedule",
    "Alert",
    "AlertEvent",
    "AlertLink",
    "AlertTrigger",
    "ApiKey",
    "AuditEvent",
    "Axis",
    "Complaint",
    "ComplaintDeadline",
    "ComplaintStep",
    "DashboardSnapshot",
    "DisaggregationCategory",
    "DisaggregationOption",
    "FocusArea",
    "FocusAreaMember",
    "FocusAreaVersion",
    "IdempotencyKey",
    "Indicator",
    "IndicatorDisaggregation",
    "IndicatorSchedule",
    "KoboForm",
    "Location",
    "Objective",
    "Organisation",
    "Period",
    "PeriodLock",
    "RateLimitCounter",
    "Reading",
    "ReadingHistory",
    "ReadingTotal",
    "Strategy",
    "TriggerRule",
    "User",
    "VictimAssistance",
]
