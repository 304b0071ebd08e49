"""/readings/import and /readings/template.{xlsx,csv}: readings as spreadsheet files.

The import answers exactly like `POST /readings/batch` (same summary, modes, dry run and
idempotency); each conflict's message starts with the row of the file it comes from.
"""

import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from ehp_api.core.db import SessionDep
from ehp_api.core.errors import Forbidden, InvalidInput, InvalidParam, problem_responses, too_large
from ehp_api.core.guards import require
from ehp_api.core.i18n import LangQuery, current_language, tr
from ehp_api.core.permissions import Permission
from ehp_api.core.principal import Principal
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.readings import policy, render, service
from ehp_api.readings.columns import COLUMNS
from ehp_api.readings.deps import DryRun, ImportMode
from ehp_api.readings.files import parse, template
from ehp_api.readings.schemas import BatchMode, ImportSummary
from ehp_api.web.idempotency import Answer, Idempotency, idempotent
from ehp_api.web.language import says_its_language
from ehp_api.web.openapi import download

router = APIRouter(prefix="/readings", tags=["readings"])

Write = Annotated[Principal, require(Permission.readings_write)]
ImportRetry = Annotated[Idempotency, idempotent("readings.import")]
_CHUNK = 1024 * 1024
_MEDIA_TYPES = {"xlsx": parse.XLSX_MEDIA_TYPE, "csv": parse.CSV_MEDIA_TYPE}
_FILE_HELP = (
    "A CSV (UTF-8, `,` or `;`) or XLSX file, at most 20 MB (`EHP_MAX_UPLOAD_BYTES`) and 10,000 "
    "readings. First row: "
    "column names, in English or French (an HXL hashtag row may follow), in any order: "
    + ", ".join(f"`{c.name}` ({c.hxl})" for c in COLUMNS)
    + ". `location` is `adm2`, else `adm1`; yes/no values are true/false or oui/non. Rows "
    "holding only indicator, period and organisation (an unfilled template row) are skipped."
)


@router.post("/import", response_model=ImportSummary, responses=problem_responses(400, 409, 413))
def import_readings_file(
    request: Request,
    session: SessionDep,
    principal: Write,
    file: Annotated[UploadFile, File(description=_FILE_HELP)],
    retry: ImportRetry,
    dry_run: DryRun = False,
    mode: ImportMode = BatchMode.atomic,
) -> Response:
    """Import readings from a CSV or XLSX file, with the same summary as a batch."""
    settings = request.app.state.settings
    data = _read_upload(file, settings.max_upload_bytes)
    bounds = parse.ImportBounds(
        sheet_rows=settings.import_max_sheet_rows,
        unpacked_bytes=settings.import_max_unpacked_bytes,
        shared_strings_bytes=settings.import_max_shared_strings_bytes,
        seconds=settings.import_max_seconds,
    )
    parsed = parse.parse_upload(file.filename or "file", file.content_type, data, bounds=bounds)

    def ingest() -> Answer:
        summary = service.ingest(session, principal, parsed.rows, mode, dry_run)
        return render.batch_answer(request, _with_file_rows(summary, parsed), mode)

    identity = (hashlib.sha256(data).hexdigest(), mode)
    return says_its_language(retry.once(identity, ingest, enabled=not dry_run))


def _read_upload(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, read in chunks so that an oversized file is refused early. The body
    limit (middleware) already stopped larger requests; this one counts the file's own bytes."""
    chunks, total = [], 0
    while chunk := upload.file.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise too_large(limit, "EHP_MAX_UPLOAD_BYTES", "file", "split the file")
        chunks.append(chunk)
    return b"".join(chunks)


def _with_file_rows(summary: ImportSummary, parsed: parse.ParsedFile) -> ImportSummary:
    """`rows` stay indexes of the readings, as in a batch; the message names the file rows."""
    for conflict in summary.conflicts:
        lines = ", ".join(str(parsed.lines[r]) for r in conflict.rows)
        if len(conflict.rows) == 1:
            conflict.message = tr(
                "File row {lines}: {message}", lines=lines, message=conflict.message
            )
        else:
            conflict.message = tr(
                "File rows {lines}: {message}", lines=lines, message=conflict.message
            )
    return summary


PeriodQuery = Annotated[
    str, Query(pattern=PERIOD_PATTERN, description="Quarter (`2021Q2`) or year (`2021`).")
]
OrganisationQuery = Annotated[
    str | None,
    Query(description="Organisation to report for; partners: their own (the default)."),
]


@router.get(
    "/template.xlsx",
    response_class=Response,
    responses=download(
        parse.XLSX_MEDIA_TYPE,
        "The XLSX template: drop-down lists of the codes, the P-codes, the instructions.",
    ),
)
def get_readings_template_xlsx(
    session: SessionDep,
    principal: Write,
    period: PeriodQuery,
    organisation: OrganisationQuery = None,
    lang: LangQuery = None,
) -> Response:
    """Download an XLSX template: a row per manual indicator planned and breakdown option."""
    return _template(session, principal, organisation, period, "xlsx")


@router.get(
    "/template.csv",
    response_class=Response,
    responses=download(parse.CSV_MEDIA_TYPE, "The CSV template (UTF-8 with a BOM)."),
)
def get_readings_template_csv(
    session: SessionDep,
    principal: Write,
    period: PeriodQuery,
    organisation: OrganisationQuery = None,
    lang: LangQuery = None,
) -> Response:
    """Download a CSV template listing the manual indicators planned in a period."""
    return _template(session, principal, organisation, period, "csv")


def _template(
    session: SessionDep,
    principal: Principal,
    organisation: str | None,
    period: str,
    fmt: template.Format,
) -> Response:
    code = _organisation_for(principal, organisation)
    content = template.build_template(session, code, period, fmt)
    disposition = f'attachment; filename="ehp-readings-{code}-{period}.{fmt}"'
    return Response(
        content,
        media_type=_MEDIA_TYPES[fmt],
        headers={"Content-Disposition": disposition, "Content-Language": current_language()},
    )


def _organisation_for(principal: Principal, organisation: str | None) -> str:
    """The secretariat names the organisation; a partner gets its own and only its own."""
    if policy.may_write_any(principal):
        if organisation is None:
            reason = tr("required: the organisation the template is for")
            param = InvalidParam(
                location="query", field="organisation", reason=reason, code="missing"
            )
            raise InvalidInput(
                tr(
                    "`organisation` is {reason}.",
                    reason=reason,
                ),
                errors=[param],
            )
        return organisation
    own = principal.organisation_code or ""
    if organisation not in (None, own):
        raise Forbidden(
            tr(
                "You report for {own} only; ask for organisation={own} or omit it.",
                own=own,
            )
        )
    return own
