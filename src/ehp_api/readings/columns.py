"""The columns of a readings file: the partner kit's (`ehp_partner.columns`), so that the import,
the template, the exports and `ehp-push` share one definition."""

from ehp_partner.columns import (
    BREAKDOWNS,
    BY_HXL,
    COLUMNS,
    NAMES,
    NUMBERS,
    READ_ONLY,
    READ_ONLY_COLUMNS,
    TEXTS,
    Cell,
    Column,
    normalise_hxl,
    reading_to_row,
    row_to_reading,
    safe,
    unquote,
)

__all__ = [
    "BREAKDOWNS",
    "BY_HXL",
    "COLUMNS",
    "NAMES",
    "NUMBERS",
    "READ_ONLY",
    "READ_ONLY_COLUMNS",
    "TEXTS",
    "Cell",
    "Column",
    "normalise_hxl",
    "reading_to_row",
    "row_to_reading",
    "safe",
    "unquote",
]
