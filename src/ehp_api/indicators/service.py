"""Queries over indicators and their disaggregation categories."""

from sqlmodel import Session, select

from ehp_api.core.errors import NotFound
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.indicators.models import (
    DisaggregationCategory,
    DisaggregationPublic,
    Indicator,
    IndicatorPublic,
    IndicatorSchedule,
    IndicatorSource,
    MeasureType,
    OptionPublic,
)
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period


def category_to_public(category: DisaggregationCategory) -> DisaggregationPublic:
    return DisaggregationPublic(
        code=category.code,
        label_fr=category.label_fr,
        label_en=category.label_en,
        share_option=category.share_option,
        options=[OptionPublic.model_validate(o) for o in category.options],
    )


def period_codes(periods: list[Period]) -> list[str]:
    return [p.code for p in sorted(periods, key=lambda p: p.starts_on)]


def activity_code(indicator_code: str) -> str:
    """Codes are hierarchical: indicator 1.2.3.4 measures activity 1.2.3."""
    return indicator_code.rsplit(".", 1)[0]


def to_public(indicator: Indicator) -> IndicatorPublic:
    return IndicatorPublic(
        code=indicator.code,
        activity=activity_code(indicator.code),
        text_fr=indicator.text_fr,
        text_en=indicator.text_en,
        measure=indicator.measure,
        liptako_gourma=indicator.liptako_gourma,
        numerator_label=indicator.numerator_label,
        denominator_label=indicator.denominator_label,
        disaggregations=[category_to_public(d.category) for d in indicator.disaggregations],
        planned_periods=period_codes([s.period for s in indicator.schedule]),
        source=IndicatorSource.computed if indicator.computed_from else IndicatorSource.manual,
        computed_from=indicator.computed_from,
        aggregation=indicator.aggregation,
        reporter_of_record=indicator.reporter.code if indicator.reporter else None,
        boolean_kind=indicator.boolean_kind,
        aggregation_note=indicator.aggregation_note,
    )


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
        stmt = stmt.where(Indicator.code.startswith(f"{prefix}."))  # type: ignore[attr-defined]
    if measure is not None:
        stmt = stmt.where(Indicator.measure == measure)
    if liptako_gourma is not None:
        stmt = stmt.where(Indicator.liptako_gourma == liptako_gourma)
    if planned_in is not None:
        quarter_ids = [
            p.id for p in periods_service.quarters_of(session, planned_in, query_field="planned_in")
        ]
        planned = select(IndicatorSchedule.indicator_id).where(
            IndicatorSchedule.period_id.in_(quarter_ids)  # type: ignore[attr-defined]
        )
        stmt = stmt.where(Indicator.id.in_(planned))  # type: ignore[union-attr]
    return paginate(session, stmt, Indicator.id, page)


def get_by_code(session: Session, code: str) -> Indicator:
    indicator = session.exec(select(Indicator).where(Indicator.code == code)).first()
    if indicator is None:
        raise NotFound(f"No indicator has the code {code!r}.")
    return indicator


def list_categories(
    session: Session, page: PageParams
) -> tuple[list[DisaggregationCategory], str | None]:
    return paginate(session, select(DisaggregationCategory), DisaggregationCategory.id, page)
