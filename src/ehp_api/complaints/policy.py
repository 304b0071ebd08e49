"""The inference rule: what any figure built from complaints may tell a reader of SEA allegations.

Hiding SEA allegations from lists is not enough: a total that counts them, minus the breakdowns
that do not, gives their number back; an indicator computed from them is their number. So for
every reader but the PSEA focal points (`complaints:confidential`), every count, total, indicator
value and breakdown computed from complaints leaves SEA allegations out entirely, and says so;
an indicator computed from SEA allegations alone is withheld whole (its existence and who to
ask are shown, never a number). Every query that counts complaints takes its condition from
`counted`, and every figure that shows such a count its note from here.

The other confidential complaints (marked sensitive) are counted apart, as one number suppressed
when small (`counted_apart`): every other figure leaves them out for these readers too, and says
so. Were they in a total, the total minus its breakdowns, or minus the complaints the reader can
list one by one, would give back the number that the suppression hides.
"""

from sqlalchemy import ColumnElement, and_, true

from ehp_api.complaints.models import Category, Complaint
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal

# Indicators computed from SEA allegations only (seed/workplan.yaml, `computed_from`).
PSEA_ONLY = frozenset({"3.2.2.2"})

EXCLUDES_SEA = "excludes_sea"
EXCLUDES_CONFIDENTIAL = "excludes_confidential"
PSEA_ONLY_FLAG = "psea_only"
NOTES = {
    EXCLUDES_SEA: "Excludes SEA allegations; ask the PSEA focal point.",
    EXCLUDES_CONFIDENTIAL: "Excludes the other confidential complaints: the dashboard counts "
    "them apart (`confidential`), suppressed when small.",
    PSEA_ONLY_FLAG: "Computed from SEA allegations: shown to PSEA focal points only; ask the "
    "PSEA focal point.",
}


def sees_sea(principal: Principal) -> bool:
    """Whether the caller may learn anything of SEA allegations, counts included."""
    return principal.can(Permission.complaints_confidential)


def counted(with_sea: bool) -> ColumnElement[bool]:
    """The complaints a figure may count for its reader: outside the PSEA network, none that is
    confidential (SEA allegations are always confidential; both are said, in case one was not)."""
    if with_sea:
        return true()
    return and_(
        Complaint.category != Category.sea_allegation,  # type: ignore[arg-type]
        Complaint.sensitive.is_(False),  # type: ignore[attr-defined]
    )


def counted_apart(with_sea: bool) -> ColumnElement[bool]:
    """The confidential complaints that the one `confidential` count counts for its reader:
    outside the PSEA network, no SEA allegation."""
    sensitive = Complaint.sensitive.is_(True)  # type: ignore[attr-defined]
    if with_sea:
        return sensitive  # type: ignore[no-any-return]
    return and_(sensitive, Complaint.category != Category.sea_allegation)  # type: ignore[arg-type]


def withheld(indicator_code: str, with_sea: bool) -> bool:
    """Whether the indicator's figure is withheld whole from this reader."""
    return not with_sea and indicator_code in PSEA_ONLY


def flags(indicator_code: str, computed_from_complaints: bool, with_sea: bool) -> list[str]:
    """The flags an indicator's figure carries for this reader."""
    if with_sea or not computed_from_complaints:
        return []
    if indicator_code in PSEA_ONLY:
        return [PSEA_ONLY_FLAG]
    return [EXCLUDES_SEA, EXCLUDES_CONFIDENTIAL]
