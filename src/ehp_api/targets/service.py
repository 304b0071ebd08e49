"""Setting an indicator's baselines and targets, and reading them for the figures."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import N_, tr
from ehp_api.core.principal import Principal
from ehp_api.core.row_locks import lock_for_update
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.targets.models import IndicatorBaseline, IndicatorTarget
from ehp_api.targets.render import to_public
from ehp_api.targets.schemas import (
    IndicatorTargetsIn,
    IndicatorTargetsPublic,
)
from ehp_api.web.validators import check_if_match

ZONE = "zone"


def _refusal(field: str, reason: str, code: str) -> InvalidInput:
    param = InvalidParam(location="body", field=field, reason=reason, code=code)
    return InvalidInput(
        tr(
            "{field}: {reason}",
            field=field,
            reason=reason,
        ),
        errors=[param],
    )


def _amount(measure: MeasureType, value: Any, field: str, target: bool) -> float:
    if measure == MeasureType.boolean:
        if not isinstance(value, bool) or (target and value is not True):
            reason = (
                tr("a yes/no target is `true` (achieved by the year's end)")
                if target
                else tr("a yes/no baseline is true or false")
            )
            raise _refusal(field, reason, "boolean_required")
        return float(value)
    if isinstance(value, bool) or value < 0:
        raise _refusal(field, tr("must be a number >= 0"), "amount_required")
    if measure == MeasureType.count and not float(value).is_integer():
        raise _refusal(field, tr("a count is a whole number"), "count_required")
    if measure == MeasureType.percentage and value > 100:
        reason = tr("a percentage is between 0 and 100")
        raise _refusal(field, reason, "percentage_out_of_range")
    return float(value)


def _check_zone(indicator: Indicator, zone: str | None, field: str) -> None:
    if zone is None:
        return
    asks = next((d.category for d in indicator.disaggregations if d.category.code == ZONE), None)
    if asks is None:
        reason = tr("indicator {code} has no zone breakdown", code=indicator.code)
        raise _refusal(field, reason, "unknown_category")
    if zone not in {o.code for o in asks.options}:
        raise _refusal(field, tr("{zone!r} is not a zone", zone=zone), "unknown_option")


def _check(session: Session, indicator: Indicator, data: IndicatorTargetsIn) -> None:
    years = set(session.exec(select(Period.year).where(Period.kind == PeriodKind.year)).all())
    seen: set[tuple[Any, ...]] = set()
    for i, target in enumerate(data.targets):
        where = f"targets[{i}]"
        if target.year not in years:
            reason = tr("{year} is not a year of the plan", year=target.year)
            raise _refusal(f"{where}.year", reason, "unknown_period")
        _check_zone(indicator, target.zone, f"{where}.zone")
        _amount(indicator.measure, target.value, f"{where}.value", target=True)
        if (target.year, target.zone) in seen:
            raise _refusal(where, tr("one target per year and zone"), "duplicate")
        seen.add((target.year, target.zone))
    for i, baseline in enumerate(data.baselines):
        where = f"baselines[{i}]"
        _check_zone(indicator, baseline.zone, f"{where}.zone")
        _amount(indicator.measure, baseline.value, f"{where}.value", target=False)
        if ("baseline", baseline.zone) in seen:
            raise _refusal(where, tr("one baseline per zone"), "duplicate")
        seen.add(("baseline", baseline.zone))


def replace(
    session: Session,
    principal: Principal,
    indicator: Indicator,
    data: IndicatorTargetsIn,
    if_match: str | None = None,
) -> IndicatorTargetsPublic:
    """The whole set for the indicator replaces what was set before; audited. The indicator is
    locked first, so two replacements run one after the other instead of adding up, and
    `if_match` is held against the set as it committed."""
    lock_for_update(session, Indicator, indicator.id)
    before = to_public(session, indicator)
    check_if_match(if_match, before, N_("indicator's targets"))
    _check(session, indicator, data)
    indicator_id = indicator.id or 0
    session.execute(delete(IndicatorBaseline).where(IndicatorBaseline.indicator_id == indicator_id))
    session.execute(delete(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator_id))
    for b in data.baselines:
        session.add(
            IndicatorBaseline(
                indicator_id=indicator_id, zone=b.zone, value=float(b.value),
                measured_on=b.measured_on, note=b.note, set_by=principal.name,
            )
        )  # fmt: skip
    for t in data.targets:
        session.add(
            IndicatorTarget(
                indicator_id=indicator_id, year=t.year, zone=t.zone, value=float(t.value),
                note=t.note, set_by=principal.name,
            )
        )  # fmt: skip
    session.flush()
    after = to_public(session, indicator)
    keep = {"baselines", "targets"}
    changes = audit.diff(
        before.model_dump(mode="json", include=keep), after.model_dump(mode="json", include=keep)
    )
    audit.record(
        session, principal, "indicator_targets.replace", "indicator", indicator.code, changes
    )
    return after


@dataclass
class TargetSet:
    """An indicator's baselines by zone and targets by (year, zone); zone None is the whole."""

    baselines: dict[str | None, float] = field(default_factory=dict)
    targets: dict[tuple[int, str | None], float] = field(default_factory=dict)


def for_indicators(
    session: Session, indicator_ids: list[int] | None = None
) -> dict[int, TargetSet]:
    """What the figures compare with: two queries."""
    found: dict[int, TargetSet] = defaultdict(TargetSet)
    baselines = select(
        IndicatorBaseline.indicator_id, IndicatorBaseline.zone, IndicatorBaseline.value
    )
    targets = select(
        IndicatorTarget.indicator_id,
        IndicatorTarget.year,
        IndicatorTarget.zone,
        IndicatorTarget.value,
    )
    if indicator_ids is not None:
        baselines = baselines.where(IndicatorBaseline.indicator_id.in_(indicator_ids))
        targets = targets.where(IndicatorTarget.indicator_id.in_(indicator_ids))
    for indicator_id, zone, value in session.exec(baselines).all():
        found[indicator_id].baselines[zone] = value
    for indicator_id, year, zone, value in session.exec(targets).all():
        found[indicator_id].targets[(year, zone)] = value
    return found
