"""The register's guards."""

from typing import Annotated

from ehp_api.core.guards import require
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

# Whoever reads the dashboard reads the register (its decisions and action points are in it).
Read = Annotated[Principal, require(Permission.workplan_read)]
Write = Annotated[Principal, require(Permission.register_write)]
UpdateAction = Annotated[Principal, require(Permission.action_points_update)]
