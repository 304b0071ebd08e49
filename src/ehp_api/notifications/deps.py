"""The guard of the webhook routes."""

from typing import Annotated

from ehp_api.core.guards import require
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

Manage = Annotated[Principal, require(Permission.webhooks_manage)]
