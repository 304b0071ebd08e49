"""The note's guard."""

from typing import Annotated

from ehp_api.core.guards import require
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

# Whoever reads the dashboard reads the note: it is the dashboard, written out.
Read = Annotated[Principal, require(Permission.workplan_read)]
