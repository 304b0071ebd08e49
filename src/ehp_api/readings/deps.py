"""The readings list's filters as one dependency, shared by the list and the exports."""

from typing import Annotated

from fastapi import Depends, Query

from ehp_api.core.db import IsoDateTime
from ehp_api.locations.models import Zone
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.readings import service
from ehp_api.readings.models import ReadingStatus
from ehp_api.readings.schemas import BatchMode


async def reading_filters(
    indicator: Annotated[str | None, Query(description="Indicator code.")] = None,
    activity: Annotated[str | None, Query(description="Activity code.")] = None,
    period: Annotated[
        str | None,
        Query(pattern=PERIOD_PATTERN, description="A quarter, or a year and its quarters."),
    ] = None,
    organisation: Annotated[str | None, Query(description="Reporting organisation code.")] = None,
    location: Annotated[
        str | None, Query(description="P-code; a region includes its cercles.")
    ] = None,
    zone: Annotated[Zone | None, Query(description="`liptako_gourma` or `other`.")] = None,
    status: Annotated[ReadingStatus | None, Query(description="Review status.")] = None,
    updated_since: Annotated[
        IsoDateTime | None, Query(description="Changed at or after this time: incremental sync.")
    ] = None,
) -> service.Filters:
    return service.Filters(
        indicator, activity, period, organisation, location, zone, status, updated_since
    )


ReadingFilters = Annotated[service.Filters, Depends(reading_filters)]

# The two query parameters of a batch and of a file import, which answer alike.
DryRun = Annotated[bool, Query(description="Check everything, write nothing.")]
ImportMode = Annotated[
    BatchMode,
    Query(description="`atomic`: all or nothing; `partial`: store the valid rows."),
]
