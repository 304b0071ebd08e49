"""/indicators/{code}/values: an indicator's values by the plan's aggregation rules."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ehp_api.core.db import SessionDep
from ehp_api.core.guards import CurrentPrincipal
from ehp_api.indicators import service as indicators_service
from ehp_api.indicators.schemas import INDICATOR_CODE
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.progress import values as values_module
from ehp_api.progress.schemas import IndicatorValues

router = APIRouter(tags=["indicators"])


@router.get("/indicators/{code}/values", response_model=IndicatorValues)
def get_indicator_values(
    session: SessionDep,
    principal: CurrentPrincipal,
    code: Annotated[str, Path(pattern=INDICATOR_CODE, examples=["1.3.2.1"])],
    first: Annotated[
        str, Query(alias="from", pattern=PERIOD_PATTERN, description="First period.")
    ] = "2020Q1",
    last: Annotated[
        str, Query(alias="to", pattern=PERIOD_PATTERN, description="Last period.")
    ] = "2022Q4",
    group_by: Annotated[
        str,
        Query(
            pattern=r"^[a-z_]{1,40}$",
            description="`period`, `zone`, `organisation`, `location`, or a breakdown category "
            "the indicator asks for (`participant_type`, `setting`...).",
        ),
    ] = "period",
) -> IndicatorValues:
    """An indicator's values per quarter or year, by the plan's aggregation rules (`rules`).

    Validated values only (a correction awaiting review is shown beside, in `pending`); a region
    and its cercles never added; a `sum` indicator adds the organisations' figures, a
    `collective` one counts the reporter of record's; yes/no by kind (milestone, annual,
    updated); shares over what is known; breakdowns option by option; progress against the
    year's targets.
    """
    indicator = indicators_service.get_by_code(session, code)
    return values_module.values(session, principal, indicator, first, last, group_by)
