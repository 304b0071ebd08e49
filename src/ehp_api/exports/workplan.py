"""The work plan as a logframe: one sheet per axis (objectives, activities, indicators, then the
indicator's value per quarter), and a Notes sheet saying what each column means."""

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

from sqlmodel import Session, select

from ehp_api.errors import InvalidInput
from ehp_api.exports import xlsx_writer
from ehp_api.exports.xlsx_writer import Sheet, Style, Styled
from ehp_api.indicators import service as indicators_service
from ehp_api.indicators import values
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.workplan.models import Activity, Axis, Objective

FIRST, LAST = "2020Q1", "2022Q4"
PLANNED = "E8F0FE"  # a planned quarter's shade
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("level", 11, "objective, activity or indicator."),
    ("code", 10, "Code in the plan: objective 1.2, activity 1.2.3, indicator 1.2.3.1."),
    ("text_fr", 60, "The objective, activity or indicator as written in the plan (French)."),
    ("text_en", 60, "English translation."),
    ("measure", 11, "Indicator: count, percentage (0-100) or boolean (oui/non)."),
    ("source", 12, "Indicator: manual (partners' readings) or computed (the service's records)."),
    ("leads", 22, "Activity: the lead cell as written in the plan."),
    ("planned", 22, "Quarters in which the activity or indicator is planned."),
)
QUARTER_MEANING = (
    "The indicator's value in the quarter, aggregated as the Notes say; shaded: planned in "
    "that quarter; empty: nothing validated (or computed) for it."
)
_ROW_STYLE = {"objective": Style(bold=True, fill="D9D9D9"), "activity": Style(bold=True)}
_FORMATS = {MeasureType.percentage: "0.0", MeasureType.count: "0"}


def workbook(session: Session) -> IO[bytes]:
    """The logframe workbook in a temporary file (see `xlsx_writer.send`)."""
    return xlsx_writer.built(lambda target: xlsx_writer.write(sheets(session), target))


def sheets(session: Session) -> list[Sheet]:
    quarters = [p.code for p in values.series(session, FIRST, LAST)]
    axes = session.exec(select(Axis).order_by(Axis.id)).all()  # type: ignore[arg-type]
    return [*(_axis_sheet(session, a, quarters) for a in axes), _notes(quarters)]


def _axis_sheet(session: Session, axis: Axis, quarters: list[str]) -> Sheet:
    title = f"Axe {axis.code} — {axis.title_fr}"
    header = [name for name, _, _ in COLUMNS] + quarters
    rows = list(_axis_rows(session, axis, quarters))
    return Sheet(
        title=f"Axe {axis.code}",
        header=[[title], header],
        widths=[width for _, width, _ in COLUMNS] + [9] * len(quarters),
        rows=rows,
        frozen_columns=2,
        wrapped={2, 3, 6},
    )


def _axis_rows(session: Session, axis: Axis, quarters: list[str]) -> Iterator[list[Any]]:
    for objective in axis.objectives:
        yield _plan_row("objective", objective, quarters)
        for activity in objective.activities:
            yield _plan_row("activity", activity, quarters, _leads(activity), _codes(activity))
            for indicator in activity.indicators:
                yield _indicator_row(session, indicator, quarters)


def _plan_row(
    level: str,
    item: Objective | Activity,
    quarters: list[str],
    leads: str | None = None,
    planned: Sequence[str] = (),
) -> list[Any]:
    cells = [level, item.code, item.title_fr, item.title_en, None, None, leads, _list(planned)]
    shaded = [Styled(None, Style(fill=PLANNED)) if q in planned else None for q in quarters]
    return [Styled(v, _ROW_STYLE[level]) for v in cells] + shaded


def _leads(activity: Activity) -> str | None:
    return activity.leads_text or ", ".join(lead.organisation.code for lead in activity.leads)


def _codes(item: Activity | Indicator) -> list[str]:
    return indicators_service.period_codes([s.period for s in item.schedule])


def _list(codes: Sequence[str]) -> str | None:
    return ", ".join(codes) or None


def _indicator_row(session: Session, indicator: Indicator, quarters: list[str]) -> list[Any]:
    planned = _codes(indicator)
    by_quarter = _values(session, indicator)
    source = "computed" if indicator.computed_from else "manual"
    cells = [_value_cell(indicator.measure, by_quarter.get(q), q in planned) for q in quarters]
    text = [indicator.code, indicator.text_fr, indicator.text_en, indicator.measure.value, source]
    return ["indicator", *text, None, _list(planned), *cells]


def _values(session: Session, indicator: Indicator) -> dict[str, Any]:
    """Quarter -> value. A computed indicator whose records this service does not hold yet has
    none: its row stays empty rather than failing the whole workbook."""
    try:
        series = values.values(session, indicator, FIRST, LAST, "period")
    except InvalidInput:
        return {}
    return {point.period: point.value for point in series.values}


def _value_cell(measure: MeasureType, value: Any, planned: bool) -> Any:
    if value is not None and measure == MeasureType.boolean:
        value = "oui" if value else "non"
    elif value is not None and measure == MeasureType.percentage:
        value = round(value, 1)
    return Styled(
        value, Style(fill=PLANNED if planned else None, number_format=_FORMATS.get(measure))
    )


def _notes(quarters: list[str]) -> Sheet:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows: list[list[Any]] = [
        ["generated", generated],
        ["sheets", "One sheet per priority axis (Axe 1, Axe 2, ...), then these notes."],
        ["rows", "Each objective (grey), its activities (bold), and under each its indicators."],
        *([name, meaning] for name, _, meaning in COLUMNS),
        [f"{quarters[0]} .. {quarters[-1]}", QUARTER_MEANING],
        [
            "yes/no",
            "oui from the first quarter with a validated yes on (cumulative); non: no so far.",
        ],
        [],
        [Styled("aggregation rules", Style(bold=True))],
        *(["", f"• {rule}"] for rule in rules()),
    ]
    return Sheet("Notes", [["what", "meaning"]], [24, 110], rows, wrapped={1})


def rules() -> list[str]:
    """`values.RULES` as one line per rule (its bullets would read as formulas in a cell)."""
    items = re.split(r"^- ", values.RULES, flags=re.MULTILINE)
    return [" ".join(item.split()) for item in items if item.strip()]
