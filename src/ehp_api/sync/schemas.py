"""The shape of a removal, as served to a client that syncs."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from ehp_api.core.i18n import N_, enum_labels


class RemovedKind(StrEnum):
    """The kinds of record a synced copy may have to drop."""

    reading = "reading"
    alert = "alert"
    complaint = "complaint"


class RemovalPublic(BaseModel):
    """A record to drop from a synced copy: deleted, or no longer visible to you."""

    kind: RemovedKind = Field(description="The record's kind.")
    id: int = Field(description="The record's id, as its list and its path give it.")
    removed_at: datetime = Field(description="When it left your view (UTC).")


enum_labels(
    RemovedKind,
    {
        RemovedKind.reading: N_("Reading"),
        RemovedKind.alert: N_("Alert"),
        RemovedKind.complaint: N_("Complaint"),
    },
)
