"""The guard of the webhook routes, and the settings their writes are judged by."""

from typing import Annotated

from fastapi import Depends, Request

from ehp_api.core.config import Settings
from ehp_api.core.guards import require
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

Manage = Annotated[Principal, require(Permission.webhooks_manage)]


def app_settings(request: Request) -> Settings:
    """The app's settings: where webhooks may go (`destinations`), the key that seals secrets."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(app_settings)]
