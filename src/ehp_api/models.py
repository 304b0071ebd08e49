"""Registry of every table model, and the one way to make an engine.

An engine made here has every table imported and every mapper configured before its first use,
so a relationship naming a class that nothing imported fails at once, in every process (the
server, the CLI, the migrations, the scripts), not on the first query of one command.
"""

from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import configure_mappers

from ehp_api.access.models import AccessToken, ApiKey, LoginRefusal, User
from ehp_api.activity_status.models import ActivityStatus
from ehp_api.alerts.models import Alert, AlertEvent, AlertLink, AlertTrigger, TriggerRule
from ehp_api.audit.models import AuditEvent
from ehp_api.complaints.models import (
    Complaint,
    ComplaintDeadline,
    ComplaintStep,
    KoboForm,
    VictimAssistance,
)
from ehp_api.core.changes import Tombstone
from ehp_api.core.config import Settings, get_settings
from ehp_api.core.db import create_db_engine
from ehp_api.dashboard.snapshots import DashboardSnapshot
from ehp_api.events.models import OutboxEvent
from ehp_api.indicators.models import (
    DisaggregationCategory,
    DisaggregationOption,
    Indicator,
    IndicatorDisaggregation,
    IndicatorSchedule,
)
from ehp_api.jobs.models import ScheduledJob
from ehp_api.locations.models import FocusArea, FocusAreaMember, FocusAreaVersion, Location
from ehp_api.notifications.models import Delivery, WebhookSubscription
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period, PeriodLock
from ehp_api.progress import kept
from ehp_api.progress.models import ReadingTotal
from ehp_api.readings.models import Reading, ReadingHistory
from ehp_api.register.models import (
    ActionPoint,
    Decision,
    InformationRequest,
    Meeting,
    ThematicNote,
)
from ehp_api.targets.models import IndicatorBaseline, IndicatorTarget
from ehp_api.web.idempotency_keys import IdempotencyKey
from ehp_api.web.ratelimit import RateLimitCounter
from ehp_api.web.reference import ReferenceStamp
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
    "ActionPoint",
    "Activity",
    "ActivityActor",
    "ActivityLead",
    "ActivitySchedule",
    "ActivityStatus",
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
    "Decision",
    "Delivery",
    "DisaggregationCategory",
    "DisaggregationOption",
    "FocusArea",
    "FocusAreaMember",
    "FocusAreaVersion",
    "IdempotencyKey",
    "Indicator",
    "IndicatorBaseline",
    "IndicatorDisaggregation",
    "IndicatorSchedule",
    "IndicatorTarget",
    "InformationRequest",
    "KoboForm",
    "Location",
    "LoginRefusal",
    "Meeting",
    "Objective",
    "Organisation",
    "OutboxEvent",
    "Period",
    "PeriodLock",
    "RateLimitCounter",
    "Reading",
    "ReadingHistory",
    "ReadingTotal",
    "ReferenceStamp",
    "ScheduledJob",
    "Strategy",
    "ThematicNote",
    "Tombstone",
    "TriggerRule",
    "User",
    "VictimAssistance",
    "WebhookSubscription",
]


def build_engine(settings: Settings) -> Engine:
    """An engine for the settings' database, with every table mapped, and the figures kept in
    step with the readings they rest on (`ehp_api.readings.changes`)."""
    configure_mappers()
    kept.subscribe()
    return create_db_engine(settings)


@lru_cache
def get_engine() -> Engine:
    """The process's engine for the CLI and scripts (the app keeps its own on `app.state`)."""
    return build_engine(get_settings())
