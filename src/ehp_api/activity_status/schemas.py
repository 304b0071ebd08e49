"""Request and response shapes of activity statuses."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ehp_api.activity_status.models import ActivityState


class EvidenceLink(BaseModel):
    """A means of verification: minutes, a report, a list of participants..."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        max_length=500, pattern=r"^https?://\S+$", description="Where the evidence can be read."
    )
    label: str | None = Field(None, max_length=200, description="What it is.")


class ActivityStatusIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "delayed",
                    "comment": "Forum postponed to June: donors' availability.",
                    "evidence": [{"url": "https://example.org/minutes-2021-05.pdf"}],
                }
            ]
        },
    )

    status: ActivityState = Field(
        description="`not_started`, `on_track`, `delayed`, `completed` or `cancelled`."
    )
    comment: str | None = Field(None, max_length=500, description="A short explanation.")
    evidence: list[EvidenceLink] = Field(
        default_factory=list, max_length=10, description="Means of verification (links)."
    )
    organisation: str | None = Field(
        None,
        max_length=32,
        description="The lead organisation whose status this is: leads omit it (their own); "
        "the secretariat names the lead it amends or posts for.",
    )


class ActivityStatusPublic(BaseModel):
    activity: str = Field(description="Activity code.")
    period: str = Field(description="The quarter.")
    organisation: str = Field(description="The lead organisation whose status it is.")
    status: ActivityState = Field(description="How the activity is going.")
    comment: str | None = Field(None, description="A short explanation.")
    evidence: list[EvidenceLink] = Field(description="Means of verification.")
    reported_by: str = Field(description="Who posted it last for the organisation.")
    reported_at: datetime = Field(description="When (UTC).")
    amended_by: str | None = Field(None, description="The secretariat, when it amended it.")
    amended_at: datetime | None = Field(None, description="When (UTC).")
