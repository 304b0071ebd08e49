"""/exports: the readings as CSV (with HXL hashtags) or XLSX, and the work plan as a logframe.

Bodies are streamed: each readings export reads in chunks with a session of its own (the
request's session is closed once the handler returns), so memory stays flat whatever the number
of rows. Every text cell that a spreadsheet would run as a formula is quoted.
"""

from collections.abc import Generator
from datetime import UTC, datetime
from typing import Annotated

import anyio
from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from ehp_api.complaints import policy as complaint_policy
from ehp_api.core.db import SessionDep, SessionFactoryDep
from ehp_api.core.guards import require
from ehp_api.core.i18n import LangQuery, current_language
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.exports import csv_writer, readings, workplan, xlsx_writer
from ehp_api.readings import service as readings_service
from ehp_api.readings.deps import ReadingFilters
from ehp_api.web.openapi import download

router = APIRouter(prefix="/exports", tags=["exports"])

Read = Annotated[Principal, require(Permission.readings_read)]
ReadPlan = Annotated[Principal, require(Permission.workplan_read)]


class Download(StreamingResponse):
    """A streamed file whose body is closed as soon as the response ends, even when the client
    goes away halfway: Starlette would leave that to the garbage collector, and until then the
    export would hold its database connection, idle in a transaction."""

    def __init__(
        self, body: Generator[bytes, None, None], media_type: str, name: str, ext: str
    ) -> None:
        filename = f"ehp-{name}-{datetime.now(UTC):%Y-%m-%d}.{ext}"
        headers = {
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": current_language().value,
        }
        super().__init__(body, media_type=media_type, headers=headers)
        self.source = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(self.source.close)


@router.get(
    "/readings.csv",
    response_class=StreamingResponse,
    responses=download("text/csv", "UTF-8 with a BOM; a header row, then an HXL hashtag row."),
)
def export_readings_csv(
    session: SessionDep,
    principal: Read,
    filters: ReadingFilters,
    sessions: SessionFactoryDep,
    lang: LangQuery = None,
) -> StreamingResponse:
    """Download the readings you may see, filtered like the list, as CSV with HXL hashtags."""
    readings_service.check_filters(session, filters)
    body = readings.csv_body(sessions, principal, filters)
    return Download(body, csv_writer.MEDIA_TYPE, "readings", "csv")


@router.get(
    "/readings.xlsx",
    response_class=StreamingResponse,
    responses=download(xlsx_writer.MEDIA_TYPE, "A `readings` sheet and a `columns` sheet."),
)
def export_readings_xlsx(
    session: SessionDep,
    principal: Read,
    filters: ReadingFilters,
    sessions: SessionFactoryDep,
    lang: LangQuery = None,
) -> StreamingResponse:
    """Download the readings you may see, filtered like the list, as an XLSX workbook."""
    readings.check_fits_a_sheet(session, principal, filters)
    body = readings.xlsx_body(sessions, principal, filters)
    return Download(body, xlsx_writer.MEDIA_TYPE, "readings", "xlsx")


@router.get(
    "/workplan.xlsx",
    response_class=StreamingResponse,
    responses=download(xlsx_writer.MEDIA_TYPE, "One sheet per axis, then a Notes sheet."),
)
def export_workplan_xlsx(
    session: SessionDep, principal: ReadPlan, lang: LangQuery = None
) -> StreamingResponse:
    """Download the work plan as a logframe with each indicator's value per quarter (XLSX)."""
    # Built before answering: the plan is small, and a failure is still a problem response.
    with_sea = complaint_policy.sees_sea(principal)
    body = xlsx_writer.send(workplan.workbook(session, with_sea))
    return Download(body, xlsx_writer.MEDIA_TYPE, "workplan", "xlsx")
