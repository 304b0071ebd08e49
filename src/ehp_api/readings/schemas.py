"""The readings API's request and response shapes: plain pydantic models, not SQLModel ones,
because a 10,000-row batch builds tens of thousands of them and SQLModel's init costs twice as much.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ehp_api.core.errors import Problem
from ehp_api.core.i18n import N_, enum_labels, tr
from ehp_api.indicators.models import MeasureType
from ehp_api.periods.models import PERIOD_PATTERN
from ehp_api.readings.models import ReadingStatus

MAX_INTEGER = 2**31 - 1


def _fits_the_column(number: int | bool | None) -> int | bool | None:
    """Values are stored in INTEGER columns: beyond their range a number is refused, not a 500."""
    if number is not None and not isinstance(number, bool) and abs(number) > MAX_INTEGER:
        # Translated here (no `{max}` filled): pydantic fills it, and `validation_reason`
        # knows only pydantic's own templates.
        raise PydanticCustomError(
            "integer_too_large",
            tr("must be at most {max} (and at least -{max})"),
            {"max": f"{MAX_INTEGER:,}"},
        )
    return number


Integer = Annotated[int | None, AfterValidator(_fits_the_column)]
Number = Annotated[int | bool | None, AfterValidator(_fits_the_column)]


class ReadingIn(BaseModel):
    """One reading as a partner sends it. Send `value` for a count or a yes/no indicator, and
    `numerator` with `denominator` for a percentage (the percentage is computed, never sent)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "indicator": "1.1.1.1",
                    "period": "2021Q2",
                    "location": "ML07",
                    "disaggregation": {"zone": "liptako_gourma"},
                    "value": 4,
                    "comment": "briefings on Ansongo and Ménaka",
                    "external_ref": "hcr-gao-2021q2-17",
                },
                {"indicator": "1.1.5.1", "period": "2021Q2", "numerator": 3, "denominator": 8},
                {"indicator": "1.2.6.1", "period": "2021", "value": True},
            ]
        },
    )

    indicator: str = Field(description="Indicator code.", max_length=16)
    period: str = Field(description="`2021Q2` or `2021`.", pattern=PERIOD_PATTERN, max_length=6)
    organisation: str | None = Field(
        None,
        max_length=32,
        description="Reporting organisation. Partners may omit it (their own is used); "
        "the secretariat may name the organisation it posts for.",
    )
    location: str | None = Field(None, max_length=12, description="P-code, admin 1 or admin 2.")
    disaggregation: dict[str, str] = Field(
        default_factory=dict,
        description="Breakdown as `{category: option}`; empty or absent is the total.",
    )
    value: Number = Field(
        None, description="A count (integer >= 0) or, for a yes/no indicator, true or false."
    )
    numerator: Integer = Field(None, description="For a percentage: the part.")
    denominator: Integer = Field(None, description="For a percentage: the whole (> 0).")
    comment: str | None = Field(None, max_length=2000, description="Free comment.")
    external_ref: str | None = Field(
        None, max_length=200, description="The partner's own reference."
    )


class ReadingBatchIn(BaseModel):
    readings: list[ReadingIn] = Field(max_length=10000, description="Up to 10,000 readings.")


class ReadingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Number = Field(None, description="New count or yes/no value.")
    numerator: Integer = Field(None, description="New numerator (percentage).")
    denominator: Integer = Field(None, description="New denominator (percentage).")
    comment: str | None = Field(None, max_length=2000, description="New comment.")
    external_ref: str | None = Field(None, max_length=200, description="New reference.")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="What the partner must fix.")


class PendingCorrection(BaseModel):
    """A new value for a validated reading, waiting for the secretariat's review."""

    value: int | bool | float | None = Field(description="The proposed value.")
    numerator: int | None = Field(None, description="Percentage only: the proposed part.")
    denominator: int | None = Field(None, description="Percentage only: the proposed whole.")
    proposed_by: str = Field(description="Who proposed it.")
    proposed_at: datetime = Field(description="When (UTC).")


class Overwritten(BaseModel):
    """What a write replaced when someone else had written it: nothing is replaced silently."""

    value: int | bool | float | None = Field(description="The value it replaced.")
    numerator: int | None = Field(None, description="Percentage only: the part it replaced.")
    denominator: int | None = Field(None, description="Percentage only: the whole it replaced.")
    comment: str | None = Field(None, description="The comment it replaced.")
    external_ref: str | None = Field(None, description="The reference it replaced.")
    by: str = Field(description="Who had written it.")
    at: datetime = Field(description="When they wrote it (UTC).")


class ReadingPublic(BaseModel):
    id: int = Field(description="Reading id.")
    indicator: str = Field(description="Indicator code.")
    measure: MeasureType = Field(description="`count`, `percentage` or `boolean`.")
    period: str = Field(description="Period code.")
    organisation: str = Field(description="Reporting organisation.")
    location: str | None = Field(None, description="P-code, if any.")
    disaggregation: dict[str, str] = Field(description="Breakdown; `{}` is the total.")
    value: int | bool | float | None = Field(
        description="The count, the yes/no answer, or the computed percentage (0-100)."
    )
    numerator: int | None = Field(None, description="Percentage only: the part.")
    denominator: int | None = Field(None, description="Percentage only: the whole.")
    validated_value: int | bool | float | None = Field(
        None,
        description="The last validated value: the one every figure counts, also while a "
        "correction waits for review. Null: never validated.",
    )
    pending_correction: PendingCorrection | None = Field(
        None, description="A new value awaiting review; until validated, `validated_value` counts."
    )
    off_schedule: bool = Field(description="Posted for a period in which it is not planned.")
    status: ReadingStatus = Field(description="`submitted`, `validated` or `rejected`.")
    rejection_reason: str | None = Field(None, description="Why the secretariat rejected it.")
    comment: str | None = Field(None, description="Free comment.")
    external_ref: str | None = Field(None, description="The partner's own reference.")
    created_by: str = Field(description="Who first posted it.")
    updated_by: str | None = Field(None, description="Who last changed its value or details.")
    reviewed_by: str | None = Field(None, description="Who validated or rejected it.")
    reviewed_at: datetime | None = Field(None, description="When (UTC).")
    created_at: datetime = Field(description="First posted (UTC).")
    updated_at: datetime = Field(description="Last changed (UTC); use for incremental sync.")


class ReadingWritten(ReadingPublic):
    outcome: Literal["created", "updated", "unchanged"] = Field(
        description="What the post did: a new reading, a new value for its key, or nothing."
    )
    overwrote: Overwritten | None = Field(
        None, description="Updated over what someone else had written: what it replaced."
    )


class ConflictItem(BaseModel):
    """Why one row (or several rows together) was refused."""

    rows: list[int] = Field(description="Index(es) of the row(s) in the batch, from 0.")
    field: str = Field(description="The field at fault, e.g. `period` or `disaggregation.zone`.")
    code: str = Field(description="Stable machine-readable reason, e.g. `period_locked`.")
    message: str = Field(description="What is wrong and how to fix it.")


class RowResult(BaseModel):
    row: int = Field(description="Index of the row in the batch.")
    outcome: Literal["created", "updated", "unchanged", "rejected", "not_stored"] = Field(
        description="`not_stored`: a valid row of an atomic batch refused because of other rows."
    )
    id: int | None = Field(None, description="Reading id (none when rejected or in a dry run).")
    overwrote: Overwritten | None = Field(
        None, description="Updated over what someone else had written: what it replaced."
    )


class BatchMode(StrEnum):
    """How a batch or a file import treats a refused row."""

    atomic = "atomic"
    partial = "partial"


class ImportSummary(BaseModel):
    mode: BatchMode = Field(description="The import mode that was applied.")
    dry_run: bool = Field(description="True for a dry run: the counts say what would happen.")
    written: bool = Field(
        description="False when nothing was stored: a dry run, or an atomic batch with refusals."
    )
    total: int = Field(description="Rows received.")
    created: int = Field(description="New readings.")
    updated: int = Field(description="Readings whose value changed (previous value in history).")
    unchanged: int = Field(description="Rows identical to what is stored: nothing written.")
    not_stored: int = Field(
        description="Valid rows not stored because the atomic batch was refused; send them again."
    )
    rejected: int = Field(description="Rows refused; see `conflicts`.")
    conflicts: list[ConflictItem] = Field(description="Every refusal with its row(s) and reason.")
    results: list[RowResult] = Field(description="Per row: outcome and reading id.")


class HistoryEntry(BaseModel):
    changed_at: datetime = Field(description="When (UTC).")
    changed_by: str = Field(description="Who: user email or API key prefix and name.")
    event: str = Field(
        description="`value_changed`, `details_changed`, `validated`, `rejected`, `reopened`."
    )
    old_value: Any = Field(
        None, description="Value before (count, boolean or {numerator, denominator})."
    )
    new_value: Any = Field(None, description="Value after.")
    old_status: str | None = Field(None, description="Status before.")
    new_status: str | None = Field(None, description="Status after.")
    note: str | None = Field(None, description="Rejection reason or remark.")
    changes: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Every other field that changed (comment, reference): field -> {old, new}.",
    )


MAX_BATCH = 10_000


class ReadingBatch(BaseModel):
    """The body of `POST /readings/batch`. Each row is checked on its own: a row that breaks
    `ReadingIn` is one refusal of the summary (its row, field and the schema's code), beside the
    rows that pass, rather than a refusal of the request."""

    model_config = ConfigDict(extra="forbid")

    readings: list[ReadingIn] = Field(
        max_length=MAX_BATCH, description=f"At most {MAX_BATCH:,} readings, in any order."
    )


class BatchProblem(Problem):
    """The problem of a refused batch: when rows were refused (`mode=atomic`), nothing was
    stored and `summary` says which rows and why; a malformed body has no summary."""

    summary: ImportSummary | None = Field(
        None, description="Every row's outcome and every refusal, as a 200 would have said."
    )


enum_labels(
    BatchMode,
    {BatchMode.atomic: N_("All or nothing"), BatchMode.partial: N_("The valid rows")},
)
