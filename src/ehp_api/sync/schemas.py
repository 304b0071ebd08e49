"""The shape of a removal, as served to a client that syncs."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class RemovalPublic(BaseModel):
    """A record to drop from a synced copy: deleted, or no longer visible to you."""

    kind: Literal["reading", "alert", "complaint"] = Field(description="The record's kind.")
    id: int = Field(description="The record's id, as its list and its path give it.")
    removed_at: datetime = Field(description="When it left your view (UTC).")
