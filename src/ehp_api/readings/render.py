"""Readings and their history as answered: codes for ids, values as the indicator measures them."""

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from ehp_api.core.errors import AppError, Conflict, InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.indicators.models import MeasureType
from ehp_api.readings.models import Reading, ReadingHistory, ReadingStatus
from ehp_api.readings.schemas import (
    HistoryEntry,
    ImportSummary,
    PendingCorrection,
    ReadingPublic,
)


@dataclass(frozen=True)
class Names:
    """Codes of the small reference tables by id, to render readings without joins per row."""

    indicators: dict[int, tuple[str, MeasureType]]
    periods: dict[int, str]
    organisations: dict[int, str]
    locations: dict[int, str]


def display_value(measure: MeasureType, numerator: int | None, denominator: int | None) -> Any:
    if numerator is None:
        return None
    if measure == MeasureType.boolean:
        return bool(numerator)
    if measure == MeasureType.percentage:
        return round(100 * numerator / denominator, 2) if denominator else None
    return numerator


def to_public(reading: Reading, codes: Names) -> ReadingPublic:
    code, measure = codes.indicators[reading.indicator_id]
    fraction = measure == MeasureType.percentage
    return ReadingPublic(
        **reading.model_dump(include=_PLAIN_FIELDS),
        indicator=code,
        measure=measure,
        period=codes.periods[reading.period_id],
        organisation=codes.organisations[reading.organisation_id],
        location=codes.locations.get(reading.location_id) if reading.location_id else None,
        value=display_value(measure, reading.numerator, reading.denominator),
        numerator=reading.numerator if fraction else None,
        denominator=reading.denominator if fraction else None,
        validated_value=display_value(
            measure, reading.validated_numerator, reading.validated_denominator
        ),
        pending_correction=_pending(reading, measure),
    )


def _pending(reading: Reading, measure: MeasureType) -> PendingCorrection | None:
    """A correction of a validated reading, waiting for review (the validated value counts)."""
    if reading.status != ReadingStatus.submitted or reading.validated_numerator is None:
        return None
    fraction = measure == MeasureType.percentage
    return PendingCorrection(
        value=display_value(measure, reading.numerator, reading.denominator),
        numerator=reading.numerator if fraction else None,
        denominator=reading.denominator if fraction else None,
        proposed_by=reading.updated_by or reading.created_by,
        proposed_at=reading.updated_at,
    )


_PLAIN_FIELDS = {
    "id",
    "disaggregation",
    "off_schedule",
    "status",
    "rejection_reason",
    "comment",
    "external_ref",
    "created_by",
    "updated_by",
    "reviewed_by",
    "reviewed_at",
    "created_at",
    "updated_at",
}


def history_entry(h: ReadingHistory, measure: MeasureType) -> HistoryEntry:
    return HistoryEntry(
        changed_at=h.changed_at,
        changed_by=h.changed_by,
        event=h.event,
        old_value=display_value(measure, h.old_numerator, h.old_denominator),
        new_value=display_value(measure, h.new_numerator, h.new_denominator),
        old_status=h.old_status,
        new_status=h.new_status,
        note=h.note,
        changes=h.changes or {},
    )


def validation_only(entry: HistoryEntry) -> HistoryEntry:
    """What was validated and when; not what stood before it (a value sent back, a reason)."""
    return entry.model_copy(
        update={"old_value": None, "old_status": None, "note": None, "changes": {}}
    )


def batch_answer(request: Request, summary: ImportSummary, mode: str) -> tuple[int, Any]:
    """A batch's answer: its summary, or, when atomic and refused, a problem holding it."""
    body = summary.model_dump(mode="json")
    if not summary.conflicts or mode == "partial" or summary.dry_run:
        return 200, body
    refused = refusal(summary)
    problem = {
        "type": "/problems/batch-refused",
        "title": tr("Batch refused"),
        "status": refused.status_code,
        "detail": tr(
            "{rejected} of {total} rows were refused, so nothing was stored (mode=atomic); fix "
            "them, or use mode=partial to store the others.",
            rejected=summary.rejected,
            total=summary.total,
        ),
        "instance": request.url.path,
        "summary": body,
    }
    return refused.status_code, problem


def refusal(summary: ImportSummary) -> AppError:
    """Why rows were refused: 409 when they were all refused for a locked period, else 422."""
    errors = [
        InvalidParam(location="body", field=c.field, reason=c.message, code=c.code)
        for c in summary.conflicts
    ]
    detail = "; ".join(c.message for c in summary.conflicts)
    if all(c.code == "period_locked" for c in summary.conflicts):
        return Conflict(detail, errors=errors)
    return InvalidInput(detail, errors=errors)
