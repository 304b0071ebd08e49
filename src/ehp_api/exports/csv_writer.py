"""CSV exports: UTF-8 with a BOM (Excel then keeps the accents), CRLF line ends, a header row and
an HXL hashtag row, then the rows rendered chunk by chunk as they are read."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from ehp_api.readings.columns import Column, safe

MEDIA_TYPE = "text/csv; charset=utf-8"


def cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"  # words the import reads back as yes/no
    if isinstance(value, datetime):
        return value.isoformat()
    return safe(value)


def cell_of(value: Any) -> Any:
    """A value as its CSV cell. Most cells are empty or numbers: skipping the call of `cell` for
    them halves the rendering time."""
    return value if value is None or type(value) is int else cell(value)


def stream(columns: Sequence[Column], chunks: Iterable[list[list[Any]]]) -> Iterator[bytes]:
    """Rows of values."""
    cells = ([[cell_of(v) for v in row] for row in rows] for rows in chunks)
    return stream_cells(columns, cells)


def stream_cells(columns: Sequence[Column], chunks: Iterable[list[list[Any]]]) -> Iterator[bytes]:
    """Rows of cells (`cell_of` each value), as an export that makes them itself gives them."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([c.name for c in columns])
    writer.writerow([c.hxl for c in columns])
    yield _drain(buffer)
    for rows in chunks:
        writer.writerows(rows)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data.encode("utf-8")
