"""Disaggregation categories from `seed/disaggregations.yaml`."""

from typing import Any

from sqlmodel import Session

from ehp_api.core.seeding import SeedReport, upsert
from ehp_api.indicators.models import DisaggregationCategory, DisaggregationOption


def load_categories(session: Session, report: SeedReport, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        labels = {
            "label_fr": entry["label_fr"],
            "label_en": entry.get("label_en"),
            "share_option": entry.get("share_option"),
        }
        category = upsert(session, report, DisaggregationCategory, {"code": entry["code"]}, labels)
        for position, option in enumerate(entry["options"]):
            values = {
                "position": position,
                "label_fr": option["label_fr"],
                "label_en": option.get("label_en"),
            }
            key = {"category_id": category.id, "code": option["code"]}
            upsert(session, report, DisaggregationOption, key, values)
