"""Records to response shapes."""

from sqlmodel import Session, select

from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.targets.models import IndicatorBaseline, IndicatorTarget
from ehp_api.targets.schemas import (
    BaselinePublic,
    IndicatorTargetsPublic,
    TargetPublic,
)


def shown(measure: MeasureType, value: float) -> float | int | bool:
    """A stored amount as the indicator measures it."""
    if measure == MeasureType.boolean:
        return bool(value)
    return int(value) if measure == MeasureType.count else value


def _rows(
    session: Session, indicator_id: int
) -> tuple[list[IndicatorBaseline], list[IndicatorTarget]]:
    baselines = session.exec(
        select(IndicatorBaseline).where(IndicatorBaseline.indicator_id == indicator_id)
    ).all()
    targets = session.exec(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator_id)
    ).all()
    return list(baselines), list(targets)


def to_public(session: Session, indicator: Indicator) -> IndicatorTargetsPublic:
    baselines, targets = _rows(session, indicator.id or 0)
    rows: list[IndicatorBaseline | IndicatorTarget] = [*baselines, *targets]
    latest = max(rows, key=lambda r: r.set_at, default=None)
    measure = indicator.measure
    return IndicatorTargetsPublic(
        indicator=indicator.code,
        measure=measure,
        baselines=[
            BaselinePublic(
                zone=b.zone, value=shown(measure, b.value), measured_on=b.measured_on, note=b.note
            )
            for b in sorted(baselines, key=lambda b: b.zone or "")
        ],
        targets=[
            TargetPublic(year=t.year, zone=t.zone, value=shown(measure, t.value), note=t.note)
            for t in sorted(targets, key=lambda t: (t.year, t.zone or ""))
        ],
        set_by=latest.set_by if latest else None,
        set_at=latest.set_at if latest else None,
    )
