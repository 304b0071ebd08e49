"""The work plan as a logframe: one sheet per axis (objectives, activities, indicators, then the
indicator's value per quarter), and a Notes sheet saying what each column means.

Sheet names, headers and notes are in the request's language; the cells' codes (`indicator`,
`count`, `computed`, the quarters) stay the same in both, as the API's codes do."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

from sqlmodel import Session, select

from ehp_api.complaints import indicators as complaint_indicators
from ehp_api.complaints import policy as complaint_policy
from ehp_api.core.i18n import N_, Language, current_language, tr
from ehp_api.exports import xlsx_writer
from ehp_api.exports.xlsx_writer import Sheet, Style, Styled
from ehp_api.indicators import service as indicators_service
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.progress import figures
from ehp_api.progress.rules import RULE_LIST
from ehp_api.targets.render import shown
from ehp_api.workplan.models import Activity, Axis, Objective

FIRST, LAST = "2020Q1", "2022Q4"
PLANNED = "E8F0FE"  # a planned quarter's shade
# (header, width, meaning): the English header is the column's name.
COLUMNS: tuple[tuple[str, float, str], ...] = (
    (N_("level"), 11, N_("objective, activity or indicator.")),
    (N_("code"), 10, N_("Code in the plan: objective 1.2, activity 1.2.3, indicator 1.2.3.1.")),
    (
        N_("text_fr"),
        60,
        N_("The objective, activity or indicator as written in the plan (French)."),
    ),
    (N_("text_en"), 60, N_("English translation.")),
    (N_("measure"), 11, N_("Indicator: count, percentage (0-100) or boolean (yes/no).")),
    (
        N_("source"),
        12,
        N_("Indicator: manual (partners' readings) or computed (the service's records)."),
    ),
    (N_("leads"), 22, N_("Activity: the lead cell as written in the plan.")),
    (N_("planned"), 22, N_("Quarters in which the activity or indicator is planned.")),
)
QUARTER_MEANING = N_(
    "The indicator's value in the quarter, aggregated as the Notes say; shaded: planned in "
    "that quarter; empty: nothing validated (or computed) for it."
)
YEAR_MEANING = N_(
    "The indicator's value for the year, by the same rules (a collective indicator's or a "
    "yes/no one's year is not the sum of its quarters)."
)
TARGET_MEANING = N_(
    "The year's target set by the secretariat (the whole, not a zone); empty: none."
)
PROGRESS_MEANING = N_("The year's value to date over its target, in percent (yes/no: 100 or 0).")
_ROW_STYLE = {"objective": Style(bold=True, fill="D9D9D9"), "activity": Style(bold=True)}
_FORMATS = {MeasureType.percentage: "0.0", MeasureType.count: "0"}


def workbook(session: Session, with_sea: bool) -> IO[bytes]:
    """The logframe workbook in a temporary file (see `xlsx_writer.send`); `with_sea`: whether
    the reader may learn of SEA allegations (`complaints.policy`)."""
    return xlsx_writer.built(lambda target: xlsx_writer.write(sheets(session, with_sea), target))


def sheets(session: Session, with_sea: bool) -> list[Sheet]:
    table = figures.table(session, with_sea=with_sea)
    quarters = [code for code in table.periods if "Q" in code]
    axes = session.exec(select(Axis).order_by(Axis.id)).all()
    return [*(_axis_sheet(a, quarters, table) for a in axes), _notes(quarters, with_sea)]


def _axis_sheet(axis: Axis, quarters: list[str], table: figures.Table) -> Sheet:
    english = current_language() == Language.en
    name = tr("Axis {code}", code=axis.code)
    title = f"{name} — {(english and axis.title_en) or axis.title_fr}"
    extra = _year_columns(table)
    header = [tr(label) for label, _, _ in COLUMNS] + quarters + [label for label, _ in extra]
    rows = list(_axis_rows(axis, quarters, table))
    return Sheet(
        title=name,
        header=[[title], header],
        widths=[width for _, width, _ in COLUMNS] + [9] * len(quarters) + [11] * len(extra),
        rows=rows,
        frozen_columns=2,
        wrapped={2, 3, 6},
    )


def _year_columns(table: figures.Table) -> list[tuple[str, str]]:
    """After the quarters: each year's value, then the baseline, then each year's target and
    the part of it achieved."""
    years = [code for code in table.periods if "Q" not in code]
    return [
        *((year, tr(YEAR_MEANING)) for year in years),
        (tr("baseline"), tr("The baseline the secretariat set (the whole, not a zone).")),
        *((tr("target {year}", year=year), tr(TARGET_MEANING)) for year in years),
        *((tr("% of target {year}", year=year), tr(PROGRESS_MEANING)) for year in years),
    ]


def _axis_rows(axis: Axis, quarters: list[str], table: figures.Table) -> Iterator[list[Any]]:
    for objective in axis.objectives:
        yield _plan_row("objective", objective, quarters)
        for activity in objective.activities:
            yield _plan_row("activity", activity, quarters, _leads(activity), _codes(activity))
            for indicator in activity.indicators:
                yield _indicator_row(indicator, quarters, table)


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


def _indicator_row(indicator: Indicator, quarters: list[str], table: figures.Table) -> list[Any]:
    planned = _codes(indicator)
    mine = table.values.get(indicator.id or 0, {})
    source = "computed" if indicator.computed_from else "manual"
    measure = indicator.measure
    years = [code for code in table.periods if "Q" not in code]
    chosen = table.targets.get(indicator.id or 0)
    baseline = chosen.baselines.get(None) if chosen else None
    targets = [chosen.targets.get((int(y), None)) if chosen else None for y in years]
    progress = [_whole_target(mine.get(y)) for y in years]
    text = [indicator.code, indicator.text_fr, indicator.text_en, measure.value, source]
    return [
        "indicator", *text, None, _list(planned),
        *(_value_cell(measure, _value(mine, q), q in planned) for q in quarters),
        *(_value_cell(measure, _value(mine, y), False) for y in years),
        _value_cell(measure, _amount(measure, baseline), False),
        *(_value_cell(measure, _amount(measure, target), False) for target in targets),
        *(Styled(percent, Style(number_format="0.0")) for percent in progress),
    ]  # fmt: skip


def _amount(measure: MeasureType, value: float | None) -> Any:
    return None if value is None else shown(measure, value)


def _whole_target(point: Any) -> float | None:
    """The part of the year's target (for the whole, not a zone) achieved, in percent."""
    found = next((t for t in point.targets if t.zone is None), None) if point else None
    return found.percent_of_target if found else None


def _value(mine: dict[str, Any], period: str) -> Any:
    point = mine.get(period)
    return point.value if point is not None else None


def _value_cell(measure: MeasureType, value: Any, planned: bool) -> Any:
    if value is not None and measure == MeasureType.boolean:
        value = tr("yes") if value else tr("no")
    elif value is not None and measure == MeasureType.percentage:
        value = round(value, 1)
    return Styled(
        value, Style(fill=PLANNED if planned else None, number_format=_FORMATS.get(measure))
    )


def _sea_notes(with_sea: bool) -> list[list[Any]]:
    if with_sea:
        return []
    return [
        *(
            [complaint_indicators.CASES_REFERRED, tr(complaint_policy.NOTES[flag])]
            for flag in (complaint_policy.EXCLUDES_SEA, complaint_policy.EXCLUDES_CONFIDENTIAL)
        ),
        *(
            [code, tr(complaint_policy.NOTES[complaint_policy.PSEA_ONLY_FLAG])]
            for code in sorted(complaint_policy.PSEA_ONLY)
        ),
    ]


def _notes(quarters: list[str], with_sea: bool) -> Sheet:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows: list[list[Any]] = [
        [tr("generated"), generated],
        [tr("sheets"), tr("One sheet per priority axis (Axis 1, Axis 2, ...), then these notes.")],
        [
            tr("rows"),
            tr("Each objective (grey), its activities (bold), and under each its indicators."),
        ],
        *([tr(label), tr(meaning)] for label, _, meaning in COLUMNS),
        [f"{quarters[0]} .. {quarters[-1]}", tr(QUARTER_MEANING)],
        ["2020 .. 2022", tr(YEAR_MEANING)],
        [tr("target YYYY"), tr(TARGET_MEANING)],
        [tr("% of target YYYY"), tr(PROGRESS_MEANING)],
        [
            tr("yes/no"),
            tr(
                "yes / no by the indicator's kind: a milestone is yes from its first validated "
                "yes on; an annual one is answered each year; an updated one is yes once "
                "established."
            ),
        ],
        *_sea_notes(with_sea),
        [],
        [Styled(tr("aggregation rules"), Style(bold=True))],
        *(["", f"• {tr(rule)}"] for rule in RULE_LIST),
    ]
    return Sheet(tr("Notes"), [[tr("what"), tr("meaning")]], [24, 110], rows, wrapped={1})
