"""The columns of a readings file (import, template, export, `ehp-push`), defined once, with HXL
hashtags and a label each (the header a person reads, English or French). The server's
`ehp_api.readings.columns` is this module: the kit and the service read a file alike.

A row maps to a `ReadingIn` dict: `adm2` (else `adm1`) is the location, the five breakdown columns
form `disaggregation`, empty cells are absent fields. Yes/no indicators take true/false, yes/no,
oui/non or o/n in `value`; `1`/`0` stay numbers, which a yes/no indicator refuses.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ehp_partner.i18n import N_

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str
    description: str
    # The header a person reads: marked for translation, its English text the name itself, so
    # that an English file keeps the machine names and a French one reads `valeur`, `période`.
    label: str


# HXL: `#indicator+num` is what HXL tools read as an indicator's numeric value, so it is `value`;
# a percentage's two integers take attributes of their own, which no tool mistakes for it.
COLUMNS: tuple[Column, ...] = (
    Column("indicator", "#indicator+code", N_("Indicator code, e.g. 1.1.1.1."), N_("indicator")),
    Column("period", "#date+period", N_("Quarter (2021Q2) or year (2021)."), N_("period")),
    Column(
        "organisation",
        "#org+code",
        N_("Reporting organisation; partners may leave it empty."),
        N_("organisation"),
    ),
    Column(
        "adm1",
        "#adm1+code",
        N_("Region P-code (ML07), when the reading is for a region."),
        N_("adm1"),
    ),
    Column(
        "adm2", "#adm2+code", N_("Cercle P-code (ML0701); takes precedence over adm1."), N_("adm2")
    ),
    Column("zone", "#indicator+zone", N_("Breakdown: liptako_gourma or other."), N_("zone")),
    Column("setting", "#indicator+setting", N_("Breakdown: field or office."), N_("setting")),
    Column(
        "participant_sector",
        "#indicator+sector",
        N_("Breakdown: participants' sector."),
        N_("participant_sector"),
    ),
    Column(
        "participant_type",
        "#indicator+type",
        N_("Breakdown: participants' type."),
        N_("participant_type"),
    ),
    Column(
        "outcome_type",
        "#indicator+outcome",
        N_("Breakdown: kind of outcome."),
        N_("outcome_type"),
    ),
    Column(
        "value",
        "#indicator+num",
        N_("A count (integer) or, for yes/no, true/false/oui/non."),
        N_("value"),
    ),
    Column(
        "numerator", "#indicator+numerator", N_("Percentage: the part (integer)."), N_("numerator")
    ),
    Column(
        "denominator",
        "#indicator+denominator",
        N_("Percentage: the whole (integer > 0)."),
        N_("denominator"),
    ),
    Column("comment", "#description", N_("Free comment."), N_("comment")),
    Column("external_ref", "#meta+ref", N_("Your own reference for the row."), N_("external_ref")),
)

# Written by the export, ignored by the import (the service owns them).
READ_ONLY_COLUMNS: tuple[Column, ...] = (
    Column(
        "status",
        "#meta+status",
        N_("Review status: submitted, validated or rejected."),
        N_("status"),
    ),
    Column(
        "validated_value",
        "#indicator+value+validated",
        N_(
            "The last validated value, the one the figures count (also while a correction "
            "waits: then `value` is the correction); a percentage's in percent."
        ),
        N_("validated_value"),
    ),
    Column("id", "#meta+id", N_("Reading id."), N_("id")),
    Column("created_at", "#date+created", N_("First posted (UTC)."), N_("created_at")),
    Column("updated_at", "#date+updated", N_("Last changed (UTC)."), N_("updated_at")),
    Column("measure", "#indicator+measure", N_("count, percentage or boolean."), N_("measure")),
    Column(
        "indicator_text",
        "#indicator+name",
        N_("The indicator's text (French)."),
        N_("indicator_text"),
    ),
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
# The tags of files written before `value` took `#indicator+num`: a header holding the old
# value or denominator tag reads `#indicator+num` as the numerator, as those files meant it.
OLD_VALUE_TAG = normalise_hxl("#indicator+value")
OLD_DENOMINATOR_TAG = normalise_hxl("#indicator+denom")
LEGACY_HXL = {
    OLD_VALUE_TAG: "value",
    normalise_hxl("#indicator+num"): "numerator",
    OLD_DENOMINATOR_TAG: "denominator",
}


def header_key(text: str) -> str:
    """A header as the import compares it: case, spaces and accents typed or not."""
    plain = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())


# The labels' and the data sheet's French, as the server's catalog (messages.po) gives them: the
# kit reads a French template without the server (tests/partner/test_french.py compares).
FRENCH: dict[str, str] = {
    "indicator": "indicateur",
    "period": "période",
    "organisation": "organisation",
    "adm1": "région (P-code adm1)",
    "adm2": "cercle (P-code adm2)",
    "zone": "zone",
    "setting": "lieu de réalisation",
    "participant_sector": "secteur des participants",
    "participant_type": "type de participants",
    "outcome_type": "type de retombée",
    "value": "valeur",
    "numerator": "numérateur",
    "denominator": "dénominateur",
    "comment": "commentaire",
    "external_ref": "votre référence",
    "status": "statut",
    "validated_value": "valeur validée",
    "id": "id",
    "created_at": "créé le (UTC)",
    "updated_at": "modifié le (UTC)",
    "measure": "mesure",
    "indicator_text": "texte de l'indicateur",
    "readings": "relevés",
}

# Every column's name and its label in English and French (as `header_key` reads them) -> the
# column's name: a template in French (`période`, `valeur`) imports as one in English does.
BY_LABEL = {
    header_key(label): c.name
    for c in (*COLUMNS, *READ_ONLY_COLUMNS)
    for label in (c.name, c.label, FRENCH[c.label])
}

# The data sheet's title (translated in the files the server writes); the import looks for it,
# in either language, before taking the first sheet.
SHEET = N_("readings")
SHEETS = (SHEET, FRENCH[SHEET])


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
