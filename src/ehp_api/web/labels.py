"""GET /labels: the label of every enum value in French and English, for front ends (the API's
codes stay English identifiers; what a person reads is the label)."""

from functools import cache

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from ehp_api.core.i18n import LABELS, LANGUAGES, Language, translate

router = APIRouter(tags=["labels"])


class Label(BaseModel):
    """One value's label in each language."""

    fr: str = Field(description="The label in French.")
    en: str = Field(description="The label in English.")


class EnumLabels(BaseModel):
    """Every enum of the API, by its schema name, each value's code to its labels."""

    languages: list[Language] = Field(description="The languages of the labels.")
    enums: dict[str, dict[str, Label]] = Field(
        description="Enum schema name (`AlertStatus`) -> value (`under_review`) -> labels.",
        examples=[
            {"AlertStatus": {"under_review": {"fr": "En cours d'examen", "en": "Under review"}}}
        ],
    )


@cache
def _labels() -> EnumLabels:
    # The enums register their labels when their modules are imported, all before the first
    # request; built once per process.
    enums = {
        enum.__name__: {
            str(member.value): Label(**{lang.value: translate(text, lang) for lang in LANGUAGES})
            for member, text in labels.items()
        }
        for enum, labels in sorted(LABELS.items(), key=lambda item: item[0].__name__)
    }
    return EnumLabels(languages=list(LANGUAGES), enums=enums)


@router.get("/labels", response_model=EnumLabels)
def list_labels(response: Response) -> EnumLabels:
    """Every enum value's label, in French and English."""
    response.headers["Content-Language"] = ", ".join(LANGUAGES)
    return _labels()
