"""Helpers for the readings tests: post readings as a given role and organisation."""

from typing import Any


def count_reading(**overrides: Any) -> dict[str, Any]:
    """A valid count reading for 1.1.1.1 (planned 2020Q3..2022Q4, with a zone breakdown)."""
    return {
        "indicator": "1.1.1.1",
        "period": "2021Q2",
        "location": "ML0701",
        "value": 4,
        **overrides,
    }
