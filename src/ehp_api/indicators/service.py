"""Queries over indicators and their disaggregation categories."""

from sqlmodel import Session, select

from ehp_api.core.errors import NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.indicators.models import (
    DisaggregationCategory,
    Indicator,
    IndicatorSchedule,
    MeasureType,
)
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period


def period_codes(periods: list[Period]) -> list[str]:
    return [p.code for p in sorted(periods, key=lambda p: p.starts_on)]


def activity_code(indicator_code: str) -> str:
    """Codes are hierarchical: indicator 1.2.3.4 measures activity 1.2.3."""
    return indicator_code.rsplit(".", 1)[0]


def list_(
    session: Session,
    page: PageParams,
    *,
    within: tuple[str | None, ...] = (),
    measure: MeasureType | None = None,
    liptako_gourma: bool | None = None,
    planned_in: str | None = None,
) -> tuple[list[Indicator], str | None]:
    stmt = select(Indicator)
    for prefix in filter(None, within):
        # Codes are hierarchical: the indicators of activity 1.2.3 are exactly 1.2.3.*.
        stmt = stmt.where(Indicator.code.startswith(f"{prefix}."))
    if measure is not None:
        stmt = stmt.where(Indicator.measure == measure)
    if liptako_gourma is not None:
        stmt = stmt.where(Indicator.liptako_gourma == liptako_gourma)
    if planned_in is not None:
        quarter_ids = [
            p.id for p in periods_service.quarters_of(session, planned_in, query_field="planned_in")
        ]
        planned = select(IndicatorSchedule.indicator_id).where(
            IndicatorSchedule.period_id.in_(quarter_ids)
        )
        stmt = stmt.where(Indicator.id.in_(planned))
    return paginate(session, stmt, Indicator.id, page)


def get_by_code(session: Session, code: str) -> Indicator:
    indicator = session.exec(select(Indicator).where(Indicator.code == code)).first()
    if indicator is None:
        raise NotFound(
            tr(
                "No indicator has the code {code!r}.",
                code=code,
            )
        )
    return indicator


def list_categories(
    session: Session, page: PageParams
) -> tuple[list[DisaggregationCategory], str | None]:
    return paginate(session, select(DisaggregationCategory), DisaggregationCategory.id, page)
