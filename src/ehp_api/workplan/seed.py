"""The work plan from `seed/workplan.yaml`: strategy, periods, axes down to indicators."""

import re
from datetime import date
from typing import Any

from sqlmodel import Session, select

from ehp_api.core.seeding import SeedReport, sync_links, upsert
from ehp_api.indicators.models import (
    Aggregation,
    BooleanKind,
    DisaggregationCategory,
    Indicator,
    IndicatorDisaggregation,
    IndicatorSchedule,
    MeasureType,
)
from ehp_api.organisations.models import Organisation
from ehp_api.periods.models import Period, PeriodKind
from ehp_api.workplan.models import (
    Activity,
    ActivityActor,
    ActivityLead,
    ActivitySchedule,
    Axis,
    Objective,
    Strategy,
)

_QUARTER_RANGE = re.compile(r"^Q([1-4])(?:-Q([1-4]))?$")


def parse_schedule(schedule: dict[str, str] | None) -> list[str]:
    """`{"2020": "Q3-Q4", "2021": "Q1"}` -> `["2020Q3", "2020Q4", "2021Q1"]`."""
    codes = []
    for year, text in (schedule or {}).items():
        for part in str(text).replace(" ", "").split(","):
            match = _QUARTER_RANGE.match(part)
            if match is None:
                raise ValueError(f"unreadable quarters {text!r} for {year}")
            first, last = int(match[1]), int(match[2] or match[1])
            codes.extend(f"{year}Q{q}" for q in range(first, last + 1))
    return codes


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def load_periods(session: Session, report: SeedReport, starts_on: date, ends_on: date) -> None:
    """Every year of the plan followed by its quarters, in chronological order."""
    for year in range(starts_on.year, ends_on.year + 1):
        values = {
            "kind": PeriodKind.year,
            "year": year,
            "quarter": None,
            "starts_on": date(year, 1, 1),
            "ends_on": date(year, 12, 31),
        }
        upsert(session, report, Period, {"code": str(year)}, values)
        for quarter in range(1, 5):
            start, end = _quarter_bounds(year, quarter)
            values = {
                "kind": PeriodKind.quarter,
                "year": year,
                "quarter": quarter,
                "starts_on": start,
                "ends_on": end,
            }
            upsert(session, report, Period, {"code": f"{year}Q{quarter}"}, values)


class _Lookups:
    def __init__(self, session: Session) -> None:
        self.organisations = dict(session.exec(select(Organisation.code, Organisation.id)).all())
        self.periods = dict(session.exec(select(Period.code, Period.id)).all())
        self.categories = dict(
            session.exec(select(DisaggregationCategory.code, DisaggregationCategory.id)).all()
        )


def _sync_schedule(
    session: Session, report: SeedReport, owner: Any, link: Any, codes: list[str], lookups: _Lookups
) -> None:
    fk = "activity_id" if link is ActivitySchedule else "indicator_id"
    existing = session.exec(select(link).where(getattr(link, fk) == owner.id)).all()
    sync_links(
        session,
        report,
        existing,
        {lookups.periods[c]: {} for c in codes},
        key_of=lambda row: row.period_id,
        make=lambda key, _v: link(**{fk: owner.id, "period_id": key}),
    )


def _sync_participants(
    session: Session,
    report: SeedReport,
    activity: Activity,
    entry: dict[str, Any],
    lookups: _Lookups,
) -> None:
    for link, field in ((ActivityLead, "leads"), (ActivityActor, "other_actors")):
        desired = {}
        for position, item in enumerate(entry.get(field) or []):
            values = {k: v for k, v in item.items() if k != "organisation"}
            desired[lookups.organisations[item["organisation"]]] = {"position": position, **values}
        existing = session.exec(select(link).where(link.activity_id == activity.id)).all()
        sync_links(
            session,
            report,
            existing,
            desired,
            key_of=lambda row: row.organisation_id,
            make=lambda key, values, link=link: link(
                activity_id=activity.id, organisation_id=key, **values
            ),
        )


def _load_indicator(
    session: Session,
    report: SeedReport,
    activity: Activity,
    entry: dict[str, Any],
    activity_schedule: list[str],
    lookups: _Lookups,
) -> bool:
    values = {
        "activity_id": activity.id,
        "text_fr": entry["text_fr"],
        "text_en": entry.get("text_en"),
        "measure": MeasureType(entry["measure"]),
        "liptako_gourma": bool(entry.get("liptako_gourma")),
        "numerator_label": entry.get("numerator"),
        "denominator_label": entry.get("denominator"),
        "computed_from": entry.get("computed_from"),
        "aggregation": Aggregation(entry["aggregation"]),
        "reporter_organisation_id": lookups.organisations[entry["reporter"]]
        if entry.get("reporter")
        else None,
        "boolean_kind": BooleanKind(entry["boolean_kind"]) if entry.get("boolean_kind") else None,
        "aggregation_note": entry.get("aggregation_note"),
    }
    indicator = upsert(session, report, Indicator, {"code": entry["code"]}, values)
    # `schedule: null` means "as the activity"; `{}` means "never planned".
    own = entry.get("schedule")
    _sync_schedule(
        session,
        report,
        indicator,
        IndicatorSchedule,
        activity_schedule if own is None else parse_schedule(own),
        lookups,
    )
    desired = {
        lookups.categories[c]: {"position": i}
        for i, c in enumerate(entry.get("disaggregations") or [])
    }
    existing = session.exec(
        select(IndicatorDisaggregation).where(IndicatorDisaggregation.indicator_id == indicator.id)
    ).all()
    sync_links(
        session,
        report,
        existing,
        desired,
        key_of=lambda row: row.category_id,
        make=lambda key, v: IndicatorDisaggregation(
            indicator_id=indicator.id, category_id=key, **v
        ),
    )
    return indicator.liptako_gourma


def _load_activity(
    session: Session,
    report: SeedReport,
    objective: Objective,
    entry: dict[str, Any],
    lookups: _Lookups,
) -> None:
    schedule = parse_schedule(entry.get("schedule"))
    values = {
        "objective_id": objective.id,
        "title_fr": entry["title_fr"],
        "title_en": entry.get("title_en"),
        "all_ehp_members": bool(entry.get("all_ehp_members")),
        "leads_text": entry.get("leads_text"),
        "other_actors_text": entry.get("other_actors_text"),
        "schedule_note": entry.get("schedule_note"),
    }
    activity = upsert(session, report, Activity, {"code": entry["code"]}, values)
    _sync_participants(session, report, activity, entry, lookups)
    _sync_schedule(session, report, activity, ActivitySchedule, schedule, lookups)
    flags = [
        _load_indicator(session, report, activity, ind, schedule, lookups)
        for ind in entry["indicators"]
    ]
    liptako = "liptako" in entry["title_fr"].lower() or any(flags)
    if activity.liptako_gourma != liptako:
        activity.liptako_gourma = liptako
        session.flush()


def load(session: Session, report: SeedReport, document: dict[str, Any]) -> None:
    plan = document["strategy"]
    strategy = upsert(
        session,
        report,
        Strategy,
        {"code": plan["code"]},
        {k: plan.get(k) for k in ("title_fr", "title_en", "starts_on", "ends_on")},
    )
    load_periods(session, report, strategy.starts_on, strategy.ends_on)
    lookups = _Lookups(session)
    for axis_entry in document["axes"]:
        axis = upsert(
            session,
            report,
            Axis,
            {"code": axis_entry["code"]},
            {
                "strategy_id": strategy.id,
                "title_fr": axis_entry["title_fr"],
                "title_en": axis_entry.get("title_en"),
            },
        )
        for objective_entry in axis_entry["objectives"]:
            objective = upsert(
                session,
                report,
                Objective,
                {"code": objective_entry["code"]},
                {
                    "axis_id": axis.id,
                    "title_fr": objective_entry["title_fr"],
                    "title_en": objective_entry.get("title_en"),
                    "nexus": bool(objective_entry.get("nexus")),
                },
            )
            for activity_entry in objective_entry["activities"]:
                _load_activity(session, report, objective, activity_entry, lookups)
