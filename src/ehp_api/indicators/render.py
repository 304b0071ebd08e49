"""Records to response shapes."""

from ehp_api.indicators.models import DisaggregationCategory, Indicator, IndicatorSource
from ehp_api.indicators.schemas import DisaggregationPublic, IndicatorPublic, OptionPublic
from ehp_api.indicators.service import activity_code, period_codes


def category_to_public(category: DisaggregationCategory) -> DisaggregationPublic:
    return DisaggregationPublic(
        code=category.code,
        label_fr=category.label_fr,
        label_en=category.label_en,
        share_option=category.share_option,
        options=[OptionPublic.model_validate(o) for o in category.options],
    )


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
