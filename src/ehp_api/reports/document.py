"""The note written as a Word document (python-docx), in the request's language.

Headings, sentences and labels are translated (`tr`, enum labels); the plan's own wording
(axes, objectives, indicators) is French in both, as the plan is. Every figure is the
dashboard's, written with `figure()`: a suppressed one as a word, never its number.
"""

import io
from collections.abc import Callable
from enum import Enum
from typing import Any

from babel.numbers import format_decimal
from docx import Document
from docx.document import Document as Doc
from docx.shared import Inches

from ehp_api.alerts.models import AlertCategory
from ehp_api.core.i18n import LABELS, current_language, label, tr
from ehp_api.dashboard.schemas import Count, Dashboard, DashboardIndicator, DashboardObjective
from ehp_api.reports import charts
from ehp_api.reports.service import Note

NO_VALUE = "–"


def figure(value: Any) -> str:
    """A figure as the note writes it, in the request's language's number format."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    return format_decimal(value, locale=current_language().value)


def count(cell: Count) -> str:
    return tr("suppressed") if cell.suppressed else figure(cell.count)


def share(value: float | None) -> str:
    return NO_VALUE if value is None else f"{figure(value)} %"


def labelled(value: Enum | str, enum: type[Enum] | None = None) -> str:
    member = enum(value) if enum is not None and value in enum._value2member_map_ else value
    if isinstance(member, Enum) and type(member) in LABELS:
        return label(member, current_language())
    return str(value)


def _table(doc: Doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _summary(doc: Doc, note: Note) -> None:
    board = note.dashboard
    alerts, complaints, done = board.alerts, board.complaints, board.completeness
    doc.add_heading(tr("Summary"), level=1)
    lines = [
        tr("Period: {period}, {starts_on} to {ends_on}.", period=board.period,
           starts_on=board.starts_on.isoformat(), ends_on=board.ends_on.isoformat()),
        tr("Indicators reported by partners: {reported} of {planned} planned; {computed} "
           "computed from the service's records.", reported=figure(done.reported),
           planned=figure(done.planned), computed=figure(done.computed)),
        tr("Protection alerts: {total}, of which {share} in Liptako Gourma.",
           total=figure(alerts.total), share=share(alerts.liptako_gourma_share)),
        tr("Saisines escalated to the EHP: {escalations}; EWRR activations: {activations}.",
           escalations=figure(alerts.escalations), activations=figure(alerts.ewrr_activations)),
        tr("Complaints and feedback received: {received}; referred: {referred}; answered: "
           "{responded}; overdue: {overdue}.", received=figure(complaints.received),
           referred=figure(complaints.referred), responded=figure(complaints.responded),
           overdue=figure(complaints.overdue)),
        tr("Confidential complaints: {count}.", count=count(complaints.confidential)),
        tr("Decisions of the EHP this quarter: {decisions}; action points overdue on {on}: "
           "{overdue}.", decisions=figure(len(note.decisions)),
           on=note.overdue_on.isoformat(), overdue=figure(len(note.overdue))),
    ]  # fmt: skip
    if complaints.excludes_sea:
        lines.append(tr("SEA allegations are counted in no figure of this note: ask the PSEA "
                        "focal point."))  # fmt: skip
    if board.small_cell_threshold:
        largest = board.small_cell_threshold - 1
        lines.append(tr("Counts from 1 to {largest} are suppressed for your role, so that no "
                        "one can be singled out.", largest=largest))  # fmt: skip
    for line in lines:
        doc.add_paragraph(line, style="List Bullet")


def _target(indicator: DashboardIndicator, year: int) -> list[str]:
    """The dashboard's progress against the year's target for the whole area, if one is set."""
    for target in indicator.targets:
        if target.year == year and target.zone is None:
            achieved = target.achieved_to_date
            return [figure(target.target), figure(achieved), share(target.percent_of_target)]
    return [NO_VALUE] * 3


def _objective(doc: Doc, note: Note, objective: DashboardObjective) -> None:
    doc.add_heading(f"{objective.code} {objective.title_fr}", level=3)
    doc.add_paragraph(
        tr("Reporting: {status} ({reported} of {planned}).",
           status=labelled(objective.status), reported=figure(objective.completeness.reported),
           planned=figure(objective.completeness.planned))
    )  # fmt: skip
    year = note.dashboard.starts_on.year
    header = [tr("Indicator"), tr("Wording"), tr("Quarter"), tr("Since 2020"),
              tr("Target {year}", year=year), tr("Achieved {year}", year=year),
              tr("Part of the target")]  # fmt: skip
    rows = [
        [i.code, i.text_fr, figure(i.value), figure(i.cumulative_value), *_target(i, year)]
        for a in objective.activities for i in a.indicators
    ]  # fmt: skip
    _table(doc, header, rows)


def _progress(doc: Doc, note: Note) -> None:
    doc.add_heading(tr("Progress by axis and objective, against targets"), level=1)
    for axis in note.dashboard.axes:
        doc.add_heading(tr("Axis {code}: {title}", code=axis.code, title=axis.title_fr), level=2)
        for objective in axis.objectives:
            _objective(doc, note, objective)


def _statuses(doc: Doc, note: Note) -> None:
    doc.add_heading(tr("Activity statuses"), level=1)
    rows = [
        [s.activity, s.organisation, labelled(s.status), s.comment or ""]
        for axis in note.dashboard.axes for o in axis.objectives for a in o.activities
        for s in a.lead_status
    ]  # fmt: skip
    if not rows:
        doc.add_paragraph(tr("No lead gave the status of an activity this quarter."))
        return
    _table(doc, [tr("Activity"), tr("Organisation"), tr("Status"), tr("Comment")], rows)


def _liptako(doc: Doc, note: Note) -> None:
    doc.add_heading(tr("Liptako Gourma shares"), level=1)
    board = note.dashboard
    rows = [[tr("Protection alerts"), share(board.alerts.liptako_gourma_share), NO_VALUE]]
    rows += [
        [f"{i.code} {i.text_fr}", share(i.liptako_gourma_share), figure(i.zone_unknown)]
        for axis in board.axes for o in axis.objectives for a in o.activities
        for i in a.indicators if i.liptako_gourma_share is not None
    ]  # fmt: skip
    _table(doc, [tr("Indicator"), tr("Share in Liptako Gourma"), tr("Zone unknown")], rows)


def write(note: Note) -> bytes:
    """The whole note, as the bytes of a .docx file."""
    doc = Document()
    doc.add_heading(tr("Quarterly protection note, {period}", period=note.dashboard.period), 0)
    _summary(doc, note)
    _progress(doc, note)
    _statuses(doc, note)
    _liptako(doc, note)
    _alerts(doc, note)
    _complaints(doc, note)
    _organisations(doc, note)
    _register(doc, note)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _picture(doc: Doc, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=Inches(6.3))


def _over_quarters(
    boards: list[Dashboard], cells: str, name: Callable[[str], str]
) -> charts.Series:
    """Per key, its count in each quarter (a suppressed one drawn as nothing)."""
    series: charts.Series = {}
    for i, board in enumerate(boards):
        for cell in getattr(board.alerts, cells):
            counts = series.setdefault(name(cell.key), [0] * len(boards))
            counts[i] += cell.count or 0
    return series


def _alerts(doc: Doc, note: Note) -> None:
    doc.add_heading(tr("Protection alerts"), level=1)
    columns = [b.period for b in note.quarters]

    def place(key: str) -> str:
        return f"{key} {note.places.get(key, '')}".strip()

    def category(key: str) -> str:
        return labelled(key, AlertCategory)

    doc.add_heading(tr("Alerts by category, last four quarters"), level=2)
    by_category = _over_quarters(note.quarters, "by_category", category)
    _picture(doc, charts.stacked(tr("Alerts by category"), columns, by_category))
    alerts = note.dashboard.alerts
    _table(doc, [tr("Category"), tr("Alerts")],
           [[category(c.key), count(c)] for c in alerts.by_category])  # fmt: skip
    doc.add_heading(tr("Alerts by region, last four quarters"), level=2)
    by_region = _over_quarters(note.quarters, "by_region", place)
    _picture(doc, charts.stacked(tr("Alerts by region"), columns, by_region))
    _table(doc, [tr("Region"), tr("Alerts")], [[place(c.key), count(c)] for c in alerts.by_region])
    doc.add_heading(tr("Alerts by cercle"), level=2)
    _table(doc, [tr("Cercle"), tr("Alerts")], [[place(c.key), count(c)] for c in alerts.by_cercle])


def _complaints(doc: Doc, note: Note) -> None:
    doc.add_heading(tr("Complaints referred and answered, last four quarters"), level=1)
    columns = [b.period for b in note.quarters]
    series = {
        tr("Referred in the quarter"): [b.complaints.referred for b in note.quarters],
        tr("Answered in the quarter"): [b.complaints.responded for b in note.quarters],
    }
    _picture(doc, charts.grouped(tr("Complaints referred and answered"), columns, series))
    rows = [[c, *(figure(n) for n in counts)] for c, counts in zip(
        columns, zip(*series.values(), strict=True), strict=True)]  # fmt: skip
    _table(doc, [tr("Quarter"), *series], rows)


def _organisations(doc: Doc, note: Note) -> None:
    doc.add_heading(tr("Reporting completeness by organisation"), level=1)
    doc.add_paragraph(tr("Indicators planned this quarter in the activities each organisation "
                         "leads, and how many have a value."))  # fmt: skip
    done = note.by_organisation
    if not done:
        doc.add_paragraph(tr("No indicator reported by partners was planned this quarter."))
        return
    percentages = [100 * d.reported / d.planned for d in done.values()]
    _picture(doc, charts.shares(tr("Reporting completeness (%)"), list(done), percentages))
    _table(doc, [tr("Organisation"), tr("Planned"), tr("Reported")],
           [[o, figure(d.planned), figure(d.reported)] for o, d in done.items()])  # fmt: skip


def _register(doc: Doc, note: Note) -> None:
    doc.add_heading(tr("Decisions of the EHP"), level=1)
    if note.decisions:
        _table(doc, [tr("Decided on"), tr("Decision"), tr("Action points")], [
            [d.decided_on.isoformat(), d.text,
             "; ".join(f"{p.owner}: {p.description} ({labelled(p.status)})"
                       for p in d.action_points)]
            for d in note.decisions])  # fmt: skip
    else:
        doc.add_paragraph(tr("The EHP recorded no decision this quarter."))
    doc.add_heading(tr("Overdue action points on {on}", on=note.overdue_on.isoformat()), level=1)
    if not note.overdue:
        doc.add_paragraph(tr("No action point is overdue."))
        return
    _table(doc, [tr("Due on"), tr("Organisation"), tr("Action point"), tr("Status")],
           [[p.due_on.isoformat(), p.owner, p.description, labelled(p.status)]
            for p in note.overdue])  # fmt: skip
