"""What the rules need to know of each indicator, read once per request as plain columns."""

from dataclasses import dataclass

from sqlmodel import Session, select

from ehp_api.core.db import select_row
from ehp_api.indicators.models import (
    Aggregation,
    BooleanKind,
    DisaggregationCategory,
    Indicator,
    IndicatorDisaggregation,
    MeasureType,
)
from ehp_api.organisations.models import Organisation

ZONE = "zone"


@dataclass(frozen=True)
class IndicatorRule:
    id: int
    code: str
    measure: MeasureType
    aggregation: Aggregation
    reporter: int | None
    boolean_kind: BooleanKind | None
    computed: bool
    categories: tuple[str, ...]  # the breakdowns it asks for, zone included
    shares: tuple[tuple[str, str], ...]  # (category, option) whose share it asks for

    @property
    def collective(self) -> bool:
        return self.aggregation == Aggregation.collective

    @property
    def annual(self) -> bool:
        return self.boolean_kind == BooleanKind.annual

    @property
    def breakdowns(self) -> tuple[str, ...]:
        return tuple(c for c in self.categories if c != ZONE)


def rules(session: Session) -> dict[int, IndicatorRule]:
    """Every indicator's rule, by id: two queries."""
    categories: dict[int, list[tuple[str, str | None]]] = {}
    asked = (
        select(
            IndicatorDisaggregation.indicator_id,
            DisaggregationCategory.code,
            DisaggregationCategory.share_option,
        )
        .join(
            DisaggregationCategory,
            DisaggregationCategory.id == IndicatorDisaggregation.category_id,
        )
        .order_by(IndicatorDisaggregation.indicator_id, IndicatorDisaggregation.position)
    )
    for indicator_id, code, share in session.exec(asked).all():
        categories.setdefault(indicator_id, []).append((code, share))
    columns = select_row(
        Indicator.id,
        Indicator.code,
        Indicator.measure,
        Indicator.aggregation,
        Indicator.reporter_organisation_id,
        Indicator.boolean_kind,
        Indicator.computed_from,
    )
    found = {}
    for id_, code, measure, aggregation, reporter, kind, computed_from in session.exec(columns):
        asks = categories.get(id_, [])
        found[id_] = IndicatorRule(
            id=id_,
            code=code,
            measure=MeasureType(measure),
            aggregation=Aggregation(aggregation),
            reporter=reporter,
            boolean_kind=BooleanKind(kind) if kind else None,
            computed=computed_from is not None,
            categories=tuple(c for c, _ in asks),
            shares=tuple((c, s) for c, s in asks if s),
        )
    return found


def organisation_codes(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Organisation.id, Organisation.code)).all())
