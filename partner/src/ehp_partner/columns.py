"""The columns of a readings file (import, template, export, `ehp-push`), defined once, with HXL
hashtags. The server's `ehp_api.readings.columns` is this module: the kit and the service read a
file alike.

A row maps to a `ReadingIn` dict: `adm2` (else `adm1`) is the location, the five breakdown columns
form `disaggregation`, empty cells are absent fields. Yes/no indicators take true/false, yes/no,
oui/non or o/n in `value`; `1`/`0` stay numbers, which a yes/no indicator refuses.
"""

import math
import re
from dataclasses import dataclass
from typing import Any

from ehp_partner.i18n import N_

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("indicator", "#indicator+code", N_("Indicator code, e.g. 1.1.1.1.")),
    Column("period", "#date+period", N_("Quarter (2021Q2) or year (2021).")),
    Column("organisation", "#org+code", N_("Reporting organisation; partners may leave it empty.")),
    Column("adm1", "#adm1+code", N_("Region P-code (ML07), when the reading is for a region.")),
    Column("adm2", "#adm2+code", N_("Cercle P-code (ML0701); takes precedence over adm1.")),
    Column("zone", "#indicator+zone", N_("Breakdown: liptako_gourma or other.")),
    Column("setting", "#indicator+setting", N_("Breakdown: field or office.")),
    Column("participant_sector", "#indicator+sector", N_("Breakdown: participants' sector.")),
    Column("participant_type", "#indicator+type", N_("Breakdown: participants' type.")),
    Column("outcome_type", "#indicator+outcome", N_("Breakdown: kind of outcome.")),
    Column(
        "value", "#indicator+value", N_("A count (integer) or, for yes/no, true/false/oui/non.")
    ),
    Column("numerator", "#indicator+num", N_("Percentage: the part (integer).")),
    Column("denominator", "#indicator+denom", N_("Percentage: the whole (integer > 0).")),
    Column("comment", "#description", N_("Free comment.")),
    Column("external_ref", "#meta+ref", N_("Your own reference for the row.")),
)

# Written by the export, ignored by the import (the service owns them).
READ_ONLY_COLUMNS: tuple[Column, ...] = (
    Column("status", "#meta+status", N_("Review status: submitted, validated or rejected.")),
    Column(
        "validated_value",
        "#indicator+value+validated",
        N_(
            "The last validated value, the one the figures count (also while a correction "
            "waits: then `value` is the correction); a percentage's in percent."
        ),
    ),
    Column("id", "#meta+id", N_("Reading id.")),
    Column("created_at", "#date+created", N_("First posted (UTC).")),
    Column("updated_at", "#date+updated", N_("Last changed (UTC).")),
    Column("measure", "#indicator+measure", N_("count, percentage or boolean.")),
    Column("indicator_text", "#indicator+name", N_("The indicator's text (French).")),
)

NAMES = tuple(c.name for c in COLUMNS)
READ_ONLY = frozenset(c.name for c in READ_ONLY_COLUMNS)
BREAKDOWNS = ("zone", "setting", "participant_sector", "participant_type", "outcome_type")
NUMBERS = ("value", "numerator", "denominator")
TEXTS = ("indicator", "period", "organisation", "comment", "external_ref")

_TRUE, _FALSE = {"true", "yes", "oui", "o"}, {"false", "no", "non", "n"}
_INTEGER = re.compile(r"^[+-]?\d+$")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(cell: Any) -> Any:
    """Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is quoted;
    every file this service writes (template, exports) passes its cells through here."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def unquote(text: str) -> str:
    """Undo `safe()`: an export read back gives the text that was posted, not the quoted one."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS):
        return text[1:]
    return text


def normalise_hxl(tag: str) -> str:
    """HXL hashtags ignore case, spaces and the order of attributes: `#Org +code` is `#org+code`."""
    head, *attributes = tag.strip().lower().replace(" ", "").split("+")
    return "+".join([head, *sorted(a for a in attributes if a)])


BY_HXL = {normalise_hxl(c.hxl): c.name for c in (*COLUMNS, *READ_ONLY_COLUMNS)}


def _text(cell: Cell) -> str | None:
    """Codes typed into Excel come back as numbers (2021 -> 2021.0): give them back as text."""
    if cell is None or isinstance(cell, bool):
        return None if cell is None else str(cell).lower()
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip() or None


def _number(cell: Cell, words: bool) -> Any:
    """Integers become ints; a fraction or a word is passed through so that validation refuses
    it. No decimal comma: `1,000` must not quietly become 1."""
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() else cell
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    if _INTEGER.match(text):
        return int(text)
    if words and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    try:
        number = float(text)
    except ValueError:
        return text or None
    if not math.isfinite(number):  # `nan` would not even survive JSON
        return text
    return int(number) if number.is_integer() else number


def row_to_reading(cells: dict[str, Cell]) -> dict[str, Any]:
    """One file row (column name -> cell) as a `ReadingIn` dict; empty cells are absent."""
    reading: dict[str, Any] = {}
    for name in TEXTS:
        text = _text(cells.get(name))
        if text is not None:
            reading[name] = unquote(text)
    location = _text(cells.get("adm2")) or _text(cells.get("adm1"))
    if location is not None:
        reading["location"] = location
    breakdown = {n: t for n in BREAKDOWNS if (t := _text(cells.get(n))) is not None}
    if breakdown:
        reading["disaggregation"] = breakdown
    for name in NUMBERS:
        number = _number(cells.get(name), words=name == "value")
        if number is not None:
            reading[name] = number
    return reading


def reading_to_row(reading: dict[str, Any]) -> dict[str, Cell]:
    """A `ReadingPublic` dict as a file row that the import takes back unchanged: a percentage
    gives its numerator and denominator, not the computed value, which the import refuses."""
    location = reading.get("location") or ""
    is_adm2 = len(location) > 4  # Mali P-codes: ML07 (region), ML0701 (cercle)
    breakdown = reading.get("disaggregation") or {}
    percentage = reading.get("measure") == "percentage"
    row: dict[str, Cell] = {
        "indicator": reading["indicator"],
        "period": reading["period"],
        "organisation": reading.get("organisation"),
        "adm1": location[:4] or None,
        "adm2": location if is_adm2 else None,
        **{name: breakdown.get(name) for name in BREAKDOWNS},
        "value": None if percentage else reading.get("value"),
        "numerator": reading.get("numerator") if percentage else None,
        "denominator": reading.get("denominator") if percentage else None,
        "comment": reading.get("comment"),
        "external_ref": reading.get("external_ref"),
    }
    return row
