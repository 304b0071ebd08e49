"""Readings files: CSV or XLSX uploads read into `ReadingIn` dicts, every refusal naming `file`.

The reading itself is the partner kit's (`ehp_partner.files`), so that `POST /readings/import` and
`ehp-push` read a file alike; here its refusals become problems, in the request's language.
"""

from collections.abc import Sequence

from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_partner.files import (
    CSV_MEDIA_TYPE,
    MAX_CELL,
    MAX_ROWS,
    SHARED_STRINGS,
    XLSX_MEDIA_TYPE,
    FileRefused,
    ImportBounds,
    ParsedFile,
    parse,
)

__all__ = [
    "CSV_MEDIA_TYPE",
    "MAX_CELL",
    "MAX_ROWS",
    "SHARED_STRINGS",
    "XLSX_MEDIA_TYPE",
    "ImportBounds",
    "ParsedFile",
    "file_error",
    "parse_upload",
]


def file_error(filename: str, reason: str, code: str) -> InvalidInput:
    param = InvalidParam(location="body", field="file", reason=reason, code=code)
    return InvalidInput(
        tr(
            "{filename}: {reason}",
            filename=filename,
            reason=reason,
        ),
        errors=[param],
    )


def parse_upload(
    filename: str,
    content_type: str | None,
    data: bytes,
    *,
    required: Sequence[str] = ("indicator", "period"),
    max_rows: int = MAX_ROWS,
    bounds: ImportBounds = ImportBounds(),  # frozen: one shared default is safe
) -> ParsedFile:
    """The file's readings with their row numbers, or InvalidInput naming `file` and why."""
    try:
        return parse(
            filename, content_type, data, required=required, max_rows=max_rows, bounds=bounds
        )
    except FileRefused as refusal:
        raise file_error(filename, refusal.reason.render(tr), refusal.code) from None
