"""Corrections awaiting review beside the values they would change (the validated values count
until then), shown to whoever may read the unvalidated reading: the secretariat all of them, a
partner its own organisation's."""

from typing import Any

from sqlalchemy import true
from sqlmodel import Session, select

from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.indicators.models import Indicator
from ehp_api.progress.calendar import Calendar, PeriodInfo
from ehp_api.progress.points import add_flags
from ehp_api.progress.schemas import PendingFigure, ValuePoint
from ehp_api.readings import service as readings_service
from ehp_api.readings.models import Reading, ReadingStatus


def _visible(principal: Principal) -> Any:
    if principal.can(Permission.readings_review):
        return true()
    if principal.can(Permission.readings_write):
        return Reading.organisation_id == principal.organisation_id
    return None


def attach(
    session: Session,
    principal: Principal,
    indicator: Indicator,
    calendar: Calendar,
    periods: list[PeriodInfo],
    points: list[ValuePoint],
    group_by: str,
) -> None:
    condition = _visible(principal)
    if condition is None:
        return
    shown = {p.code for p in periods}
    stmt = select(Reading).where(
        Reading.indicator_id == indicator.id,
        Reading.status == ReadingStatus.submitted,
        Reading.validated_numerator.is_not(None),  # type: ignore[union-attr]
        condition,
    )
    codes = readings_service.names(session)
    for reading in session.exec(stmt).all():
        period = calendar.periods[reading.period_id]
        target = str(period.year) if periods[0].is_year else period.code
        if target not in shown:
            continue
        public = readings_service.to_public(reading, codes)
        figure = PendingFigure(
            organisation=public.organisation,
            period=public.period,
            location=public.location,
            disaggregation=public.disaggregation,
            validated_value=public.validated_value,
            pending_value=public.value,
            proposed_by=public.pending_correction.proposed_by if public.pending_correction else "",
            proposed_at=reading.updated_at,
        )
        for point in points:
            if point.period == target and _in_group(point.group, public, group_by):
                point.pending.append(figure)
    for point in points:
        if point.pending:
            add_flags(point, ["pending_corrections"], pending=len(point.pending))


def _in_group(group: str | None, reading: Any, group_by: str) -> bool:
    if group_by == "period":
        return True
    if group_by == "organisation":
        return group == reading.organisation
    if group_by == "location":
        return group == reading.location
    if group_by == "zone":
        return group == reading.disaggregation.get("zone")
    return group == reading.disaggregation.get(group_by)
