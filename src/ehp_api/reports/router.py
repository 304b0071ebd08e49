"""/reports: the quarterly protection note the EHP circulates, as an editable Word file."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from ehp_api.core.db import SessionDep
from ehp_api.core.i18n import LangQuery, current_language
from ehp_api.reports import document, service
from ehp_api.reports.deps import Read
from ehp_api.reports.schemas import QUARTER_PATTERN
from ehp_api.web.openapi import download

router = APIRouter(prefix="/reports", tags=["reports"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHUNK = 64 * 1024


def _chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


@router.get(
    "/quarterly/{period}.docx",
    response_class=StreamingResponse,
    responses=download(DOCX, "The note: summary, progress, statuses, charts, register."),
)
def get_quarterly_note(
    request: Request,
    session: SessionDep,
    principal: Read,
    period: Annotated[str, Path(pattern=QUARTER_PATTERN, description="The quarter: `2021Q2`.")],
    lang: LangQuery = None,
) -> StreamingResponse:
    """Download the quarterly protection note (Word), with the dashboard's figures for your role."""
    settings = request.app.state.settings
    max_age = timedelta(seconds=settings.dashboard_max_age_seconds)
    # Written before answering: a failure is still a problem response, not a cut-off file.
    note = service.gather(session, principal, period, settings.small_cell_threshold, max_age)
    language = current_language().value
    headers = {
        "Content-Disposition": f'attachment; filename="ehp-note-{period}-{language}.docx"',
        "Content-Language": language,
    }
    return StreamingResponse(_chunks(document.write(note)), media_type=DOCX, headers=headers)
