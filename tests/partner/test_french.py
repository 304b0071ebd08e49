"""The kit reads French headers without the server's catalog, from a table of its own: that table
must say what the server's messages.po says, or a French template would not import through
`ehp-push` (nor through the server, which reads files with the kit)."""

from ehp_api.core.i18n import LANGUAGES, Language, translate
from ehp_partner.columns import (
    BY_LABEL,
    COLUMNS,
    FRENCH,
    READ_ONLY_COLUMNS,
    SHEET,
    SHEETS,
    header_key,
)

LABELS = [c.label for c in (*COLUMNS, *READ_ONLY_COLUMNS)]


def test_the_kit_french_table_is_the_catalog_french() -> None:
    assert {k: translate(k, Language.fr) for k in FRENCH} == FRENCH
    assert set(FRENCH) == {*LABELS, SHEET}


def test_every_label_the_server_writes_reads_back_as_its_column() -> None:
    for column in (*COLUMNS, *READ_ONLY_COLUMNS):
        for language in LANGUAGES:
            assert BY_LABEL[header_key(translate(column.label, language))] == column.name


def test_the_kit_looks_for_the_data_sheet_by_its_title_in_each_language() -> None:
    assert set(SHEETS) == {translate(SHEET, language) for language in LANGUAGES}
