"""Announcing that validated values changed, to whatever keeps figures derived from them.

The figures (the kept totals the dashboard sums) sit above the readings, in `ehp_api.progress`:
the readings domain knows nothing of their rules. A write that changes a reading's validated
value (validate, reopen a validated reading, delete) announces the (indicator, organisation,
period) it touched, in its own transaction; the keeper subscribed by the table registry
(`ehp_api.models.build_engine`) recomputes what depends on it before the transaction commits.
A write with no keeper subscribed fails loudly rather than letting the figures drift.
"""

from collections.abc import Callable, Iterable

from sqlmodel import Session

Touched = tuple[int, int, int]
"""A reading's (indicator id, organisation id, period id)."""

Keeper = Callable[[Session, list[Touched]], None]

_keepers: list[Keeper] = []


def subscribe(keeper: Keeper) -> None:
    """Call `keeper` after every change of validated values (once, however often subscribed)."""
    if keeper not in _keepers:
        _keepers.append(keeper)


def validated_changed(session: Session, touched: Iterable[Touched]) -> None:
    touched = list(touched)
    if not touched:
        return
    if not _keepers:
        raise RuntimeError(
            "validated readings changed but no keeper of their figures is subscribed: "
            "make engines with ehp_api.models.build_engine"
        )
    for keeper in _keepers:
        keeper(session, touched)
