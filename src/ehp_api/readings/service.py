"""Readings: ingestion (one or a batch), review, locks, history, and who may see what."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import event
from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.core import metrics
from ehp_api.core.db import as_utc
from ehp_api.core.errors import NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate_in
from ehp_api.core.principal import Principal
from ehp_api.core.query_filters import known, known_ids
from ehp_api.core.row_locks import for_update
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.locations.models import Location
from ehp_api.locations.service import place_ids
from ehp_api.organisations.models import Organisation
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period
from ehp_api.readings import lookups as lookups_module
from ehp_api.readings import policy, render, store, validation
from ehp_api.readings.models import Reading, ReadingHistory, ReadingStatus
from ehp_api.readings.schemas import (
    BatchMode,
    ConflictItem,
    HistoryEntry,
    ImportSummary,
    Overwritten,
    RowResult,
)
from ehp_api.web import reference
from ehp_api.workplan.models import Activity


def get(session: Session, principal: Principal, reading_id: int, *, lock: bool = False) -> Reading:
    """The reading; with `lock`, locked for a change and read as committed (see `row_locks`)."""
    stmt = select(Reading).where(Reading.id == reading_id)
    condition = policy.visible_to(principal)
    if condition is not None:
        stmt = stmt.where(condition)
    reading = session.exec(for_update(stmt, Reading) if lock else stmt).first()
    if reading is None:
        raise NotFound(
            tr(
                "No reading {reading_id} that you may see.",
                reading_id=reading_id,
            )
        )
    return reading


def ingest(
    session: Session, principal: Principal, rows: list[Any], mode: BatchMode, dry_run: bool
) -> ImportSummary:
    """Check every row, then (unless dry run, or atomic with conflicts) write set-based. The
    periods written into are held against a lock first, so the locks checked are still true
    when the rows are written (a lock taken meanwhile waits for this batch)."""
    periods_service.share(session, (r.get("period") for r in rows if isinstance(r, dict)))
    lookups = lookups_module.load(session)
    prepared, conflicts = validation.prepare(lookups, principal, rows)
    stored = store.existing(session, [p.natural_key for p in prepared])
    plan = store.plan(prepared, stored)
    ids: dict[str, int] = {}
    writes = not dry_run and (mode == "partial" or not conflicts)
    if writes:
        ids, raced = store.create(session, plan.creates, principal.name)
        if raced:
            _replan_raced(session, plan, raced)
        store.apply_updates(session, plan.updates, principal.name)
    overwrites = _overwrites(lookups, plan, principal.name)
    summary = _summary(plan, conflicts, ids, len(rows), mode, dry_run, overwrites)
    if writes and (summary.created or summary.updated):
        _audit_batch(session, principal, summary)
        _count_once_committed(session, summary.created, summary.updated)
    return summary


def _count_once_committed(session: Session, created: int, updated: int) -> None:
    """The readings ingested, in the metrics once they are in the database (never a batch rolled
    back)."""
    event.listen(
        session, "after_commit", lambda _: metrics.readings_ingested(created, updated), once=True
    )


def _replan_raced(session: Session, plan: store.Plan, raced: list[validation.Prepared]) -> None:
    """Rows a concurrent transaction created first: now stored, so they become updates."""
    keys = {r.natural_key for r in raced}
    plan.creates = [c for c in plan.creates if c.natural_key not in keys]
    again = store.plan(raced, store.existing(session, list(keys)))
    plan.updates.extend(again.updates)
    plan.unchanged.extend(again.unchanged)


def _overwrites(
    lookups: lookups_module.Lookups, plan: store.Plan, author: str
) -> dict[int, Overwritten]:
    """Row -> the value it replaces, where someone else wrote that value: said, never silent."""
    measures = {i.id: i.measure for i in lookups.indicators.values()}
    found = {}
    for item, current in plan.updates:
        previous = store.last_author(current)
        if previous != author:
            measure = measures[item.values["indicator_id"]]
            found[item.row] = overwritten(measure, current, previous)
    return found


def overwritten(measure: MeasureType, current: dict[str, Any], by: str) -> Overwritten:
    fraction = measure == MeasureType.percentage
    return Overwritten(
        value=render.display_value(measure, current["numerator"], current["denominator"]),
        numerator=current["numerator"] if fraction else None,
        denominator=current["denominator"] if fraction else None,
        comment=current["comment"],
        external_ref=current["external_ref"],
        by=by,
        at=current["updated_at"],
    )


def _summary(
    plan: store.Plan,
    conflicts: list[ConflictItem],
    ids: dict[str, int],
    total: int,
    mode: BatchMode,
    dry_run: bool,
    overwrites: dict[int, Overwritten],
) -> ImportSummary:
    """Row outcomes. A refused atomic batch stores nothing: its valid rows are `not_stored`, so
    the counts never claim a write that did not happen (a dry run shows what would happen)."""
    refused = not dry_run and mode == "atomic" and bool(conflicts)
    outcomes: list[tuple[Any, Literal["created", "updated", "unchanged"], int | None]] = [
        *((p, "created", ids.get(p.natural_key)) for p in plan.creates),
        *((p, "updated", c["id"]) for p, c in plan.updates),
        *((p, "unchanged", i) for p, i in plan.unchanged),
    ]
    results = [
        RowResult.model_construct(
            row=p.row,
            outcome="not_stored" if refused else outcome,
            id=None if refused else reading_id,
            overwrote=None if refused else overwrites.get(p.row),
        )
        for p, outcome, reading_id in outcomes
    ]
    rejected_rows = sorted({r for c in conflicts for r in c.rows})
    results += [
        RowResult.model_construct(row=r, outcome="rejected", id=None, overwrote=None)
        for r in rejected_rows
    ]
    results.sort(key=lambda r: r.row)
    counts = Counter(r.outcome for r in results)
    return ImportSummary(
        mode=mode,
        dry_run=dry_run,
        written=not dry_run and not refused,
        total=total,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        not_stored=counts["not_stored"],
        rejected=counts["rejected"],
        conflicts=sorted(conflicts, key=lambda c: c.rows[0]),
        results=results,
    )


def _audit_batch(session: Session, principal: Principal, summary: ImportSummary) -> None:
    counts = {k: getattr(summary, k) for k in ("created", "updated", "unchanged", "rejected")}
    changes = {"counts": {"old": None, "new": counts}}
    audit.record(session, principal, "reading.import", "reading_batch", None, changes)


@dataclass(frozen=True)
class Filters:
    indicator: str | None = None
    activity: str | None = None
    period: str | None = None
    organisation: str | None = None
    location: str | None = None
    zone: str | None = None
    status: ReadingStatus | None = None
    updated_since: datetime | None = None


def _filtered(session: Session, stmt: Any, filters: Filters) -> Any:
    """The filters' codes are turned into ids first (`known_ids`): with `IN (subquery)`,
    PostgreSQL walked the readings in id order for a page that matched none (40 ms on 100,000
    readings, against 2 ms with the ids)."""
    if filters.indicator is not None:
        indicators = select(Indicator.id).where(Indicator.code == filters.indicator)
        ids = known_ids(session, indicators, "indicator", filters.indicator)
        stmt = stmt.where(Reading.indicator_id.in_(ids))
    if filters.activity is not None:
        activity = select(Activity.id).where(Activity.code == filters.activity)
        known_ids(session, activity, "activity", filters.activity)
        prefix = f"{filters.activity}."
        indicators = select(Indicator.id).where(Indicator.code.startswith(prefix))
        stmt = stmt.where(Reading.indicator_id.in_(session.exec(indicators).all()))
    if filters.period is not None or filters.organisation is not None:
        by_code = reference.memo(session, "readings.filter_ids", lambda: _filter_ids(session))
    if filters.period is not None:
        ids = known(by_code.periods.get(filters.period), "period", filters.period)
        stmt = stmt.where(Reading.period_id.in_(ids))
    if filters.organisation is not None:
        ids = known(
            by_code.organisations.get(filters.organisation), "organisation", filters.organisation
        )
        stmt = stmt.where(Reading.organisation_id.in_(ids))
    if filters.location is not None:
        ids = place_ids(session, filters.location)
        stmt = stmt.where(Reading.location_id.in_(ids))
    for column, value in ((Reading.zone, filters.zone), (Reading.status, filters.status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.updated_since is not None:
        stmt = stmt.where(Reading.updated_at >= as_utc(filters.updated_since))
    return stmt


@dataclass(frozen=True)
class FilterIds:
    """The ids a period or organisation filter stands for, by code, kept while the reference
    data stand: a quarter is itself, a year is itself and its quarters."""

    periods: dict[str, list[int]]
    organisations: dict[str, list[int]]


def _filter_ids(session: Session) -> FilterIds:
    rows = session.exec(select(Period.id, Period.code, Period.year, Period.kind)).all()
    by_year: dict[int, list[int]] = {}
    for period_id, _, year, _ in rows:
        by_year.setdefault(year, []).append(period_id)
    periods = {
        code: by_year[year] if kind == "year" else [period_id]
        for period_id, code, year, kind in rows
    }
    organisations = session.exec(select(Organisation.id, Organisation.code)).all()
    return FilterIds(periods, {code: [org_id] for org_id, code in organisations})


def check_filters(session: Session, filters: Filters) -> None:
    """422 for a filter naming an unknown code: for a streamed export, before the answer starts."""
    _filtered(session, select(Reading.id), filters)


def visible(session: Session, stmt: Any, principal: Principal, filters: Filters) -> Any:
    """`stmt` narrowed to the readings the caller may see that match the filters: the list and
    the exports share it, so that both return exactly the same readings."""
    stmt = _filtered(session, stmt, filters)
    condition = policy.visible_to(principal)
    return stmt if condition is None else stmt.where(condition)


def list_(
    session: Session, principal: Principal, page: PageParams, filters: Filters, order: str = "id"
) -> tuple[list[Reading], str | None]:
    stmt = visible(session, select(Reading), principal, filters)
    return paginate_in(session, stmt, Reading, page, order)


def names(session: Session) -> render.Names:
    """Codes by id, kept while the reference data stand (`ehp_api.web.reference.memo`)."""
    return reference.memo(session, "readings.names", lambda: _names(session))


def _names(session: Session) -> render.Names:
    return render.Names(
        indicators={
            i: (c, m)
            for i, c, m in session.exec(
                select(Indicator.id, Indicator.code, Indicator.measure)
            ).all()
        },
        periods=dict(session.exec(select(Period.id, Period.code)).all()),
        organisations=dict(session.exec(select(Organisation.id, Organisation.code)).all()),
        locations=dict(session.exec(select(Location.id, Location.pcode)).all()),
    )


def history(session: Session, principal: Principal, reading_id: int) -> list[HistoryEntry]:
    """The reading's changes. A reader who sees another organisation's reading only because it
    is validated sees only its validations: never the values it rejected, nor why."""
    reading = get(session, principal, reading_id)
    measure = names(session).indicators[reading.indicator_id][1]
    stmt = select(ReadingHistory).where(ReadingHistory.reading_id == reading.id)
    whole = policy.sees_whole_history(principal, reading)
    if not whole:
        stmt = stmt.where(ReadingHistory.event == "validated")
    rows = session.exec(stmt.order_by(ReadingHistory.id)).all()
    entries = [render.history_entry(h, measure) for h in rows]
    return entries if whole else [render.validation_only(e) for e in entries]
