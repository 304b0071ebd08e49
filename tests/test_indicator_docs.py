"""docs/indicators.md, the classification the secretariat confirms, says what the seed says."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _documented() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    return {
        cells[0]: cells for cells in ([c.strip() for c in r.strip("|").split(" | ")] for r in rows)
    }


def _seeded() -> dict[str, dict]:
    plan = yaml.safe_load((ROOT / "seed" / "workplan.yaml").read_text(encoding="utf-8"))
    return {
        indicator["code"]: indicator
        for axis in plan["axes"]
        for objective in axis["objectives"]
        for activity in objective["activities"]
        for indicator in activity["indicators"]
    }


def test_the_table_lists_the_54_indicators_as_seeded() -> None:
    documented, seeded = _documented(), _seeded()
    assert list(documented) == list(seeded)
    assert len(documented) == 54
    for code, indicator in seeded.items():
        _, text, aggregation, reporter, kind, reason = documented[code]
        assert text.replace("\\|", "|") == indicator["text_fr"], code
        assert aggregation.split(" ")[0] == indicator["aggregation"], code
        assert reporter.startswith(indicator["reporter"] or "—"), code
        assert kind == (indicator.get("boolean_kind") or ""), code
        assert reason == indicator["aggregation_note"], code
