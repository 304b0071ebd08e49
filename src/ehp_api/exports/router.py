"""/exports: the readings as CSV (with HXL hashtags) or XLSX, and the work plan as a logframe.

Bodies are streamed: each readings export reads in chunks with a session of its own (the
request's session is closed once the handler returns), so memory stays flat whatever the number
of rows. Every text cell that a spreadsheet would run as a formula is quoted.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from ehp_api.access.deps import require
from ehp_api.access.permissions import Permission
from ehp_api.db import SessionDep, SessionFactoryDep
from ehp_api.exports import csv_writer, readings, workplan, xlsx_writer
from ehp_api.principal import Principal
from ehp_api.readings.deps import ReadingFilters

router = APIRouter(prefix="/exports", tags=["exports"])

Read = Annotated[Principal, require(Permission.readings_read)]
ReadPlan = Annotated[Principal, require(Permission.workplan_read)]


def _binary(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    schema = {"type": "string", "format": "binary"}
    return {200: {"description": what, "content": {media_type: {"schema": schema}}}}


def _download(body: Iterator[bytes], media_type: str, name: str, ext: str) -> StreamingResponse:
    filename = f"ehp-{name}-{datetime.now(UTC):%Y-%m-%d}.{ext}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(body, media_type=media_type, headers=headers)


@router.get(
    "/readings.csv",
    response_class=StreamingResponse,
    responses=_binary("text/csv", "UTF-8 with a BOM; a header row, then an HXL hashtag row."),
)
def export_readings_csv(
    principal: Read, filters: ReadingFilters, sessions: SessionFactoryDep
) -> StreamingResponse:
    """Download the readings you may see, filtered like the list, as CSV with HXL hashtags."""
    body = readings.csv_body(sessions, principal, filters)
    return _download(body, csv_writer.MEDIA_TYPE, "readings", "csv")


@router.get(
    "/readings.xlsx",
    response_class=StreamingResponse,
    responses=_binary(xlsx_writer.MEDIA_TYPE, "A `readings` sheet and a `columns` sheet."),
)
def export_readings_xlsx(
    session: SessionDep, principal: Read, filters: ReadingFilters, sessions: SessionFactoryDep
) -> StreamingResponse:
    """Download the readings you may see, filtered like the list, as an XLSX workbook."""
    readings.check_fits_a_sheet(session, principal, filters)
    body = readings.xlsx_body(sessions, principal, filters)
    return _download(body, xlsx_writer.MEDIA_TYPE, "readings", "xlsx")


@router.get(
    "/workplan.xlsx",
    response_class=StreamingResponse,
    responses=_binary(xlsx_writer.MEDIA_TYPE, "One sheet per axis, then a Notes sheet."),
)
def export_workplan_xlsx(session: SessionDep, principal: ReadPlan) -> StreamingResponse:
    """Download the work plan as a logframe with each indicator's value per quarter (XLSX)."""
    # Built before answering: the plan is small, and a failure is still a problem response.
    body = xlsx_writer.send(workplan.workbook(session))
    return _download(body, xlsx_writer.MEDIA_TYPE, "workplan", "xlsx")
