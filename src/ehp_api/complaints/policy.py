"""The inference rule: what any figure built from complaints may tell a reader of SEA allegations.

Hiding SEA allegations from lists is not enough: a total that counts them, minus the breakdowns
that do not, gives their number back; an indicator computed from them is their number. So for
every reader but the PSEA focal points (`complaints:confidential`), every count, total, indicator
value and breakdown computed from complaints leaves SEA allegations out entirely, and says so;
an indicator computed from SEA allegations alone is withheld whole (its existence and who to
ask are shown, never a number). Every query that counts complaints takes its condition from
`counted`, and every figure that shows such a count its note from here.
"""

from sqlalchemy import ColumnElement, true

from ehp_api.complaints.models import Category, Complaint
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

# Indicators computed from SEA allegations only (seed/workplan.yaml, `computed_from`).
PSEA_ONLY = frozenset({"3.2.2.2"})

EXCLUDES_SEA = "excludes_sea"
PSEA_ONLY_FLAG = "psea_only"
NOTES = {
    EXCLUDES_SEA: "Excludes SEA allegations; ask the PSEA focal point.",
    PSEA_ONLY_FLAG: "Computed from SEA allegations: shown to PSEA focal points only; ask the "
    "PSEA focal point.",
}


def sees_sea(principal: Principal) -> bool:
    """Whether the caller may learn anything of SEA allegations, counts included."""
    return principal.can(Permission.complaints_confidential)


def counted(with_sea: bool) -> ColumnElement[bool]:
    """The complaints a figure may count for its reader."""
    if with_sea:
        return true()
    return Complaint.category != Category.sea_allegation  # type: ignore[return-value]


def withheld(indicator_code: str, with_sea: bool) -> bool:
    """Whether the indicator's figure is withheld whole from this reader."""
    return not with_sea and indicator_code in PSEA_ONLY


def flags(indicator_code: str, computed_from_complaints: bool, with_sea: bool) -> list[str]:
    """The flags an indicator's figure carries for this reader."""
    if with_sea or not computed_from_complaints:
        return []
    return [PSEA_ONLY_FLAG if indicator_code in PSEA_ONLY else EXCLUDES_SEA]
