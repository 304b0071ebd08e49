"""The README stays true: its settings table lists every setting."""

from pathlib import Path

from ehp_api.core.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [
        f"EHP_{n.upper()}" for n in Settings.model_fields if f"`EHP_{n.upper()}`" not in README
    ]
    assert missing == []


def test_the_two_commands_come_first() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block
    assert "make test" in first_block
