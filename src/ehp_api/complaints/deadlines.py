"""Referral deadlines by category and sensitivity, set by the secretariat; and what is overdue.

The table is seeded by the migration that creates it (SEA 24 hours, other sensitive complaints
72 hours, the rest 14 days). A complaint gets its referral deadline when it is received (or when
its category, sensitivity or date are corrected): changing the table applies to complaints
received afterwards, the others keep the deadline they were received under.
"""

import math
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.complaints import policy
from ehp_api.complaints.models import Category, Complaint, ComplaintDeadline, ComplaintStatus
from ehp_api.core.db import utcnow
from ehp_api.core.errors import InvalidInput, InvalidParam
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal

AWAITING_REFERRAL = (ComplaintStatus.received, ComplaintStatus.rejected)
AWAITING_RESPONSE = (ComplaintStatus.referred, ComplaintStatus.accepted)


class DeadlineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category = Field(description="Complaint category.")
    sensitive: StrictBool = Field(
        description="For complaints marked sensitive (always true for SEA)."
    )
    refer_within_hours: int = Field(
        ge=1, le=24 * 365, description="Hours from receipt to referral (counted in whole days)."
    )


class DeadlinePublic(DeadlineIn):
    updated_by: str = Field(description="Who set it last.")
    updated_at: datetime = Field(description="When (UTC).")


class DeadlineTableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadlines: list[DeadlineIn] = Field(
        max_length=100, description="One row per category and sensitivity (SEA: sensitive only)."
    )


class DeadlineTable(BaseModel):
    deadlines: list[DeadlinePublic] = Field(description="Every category and sensitivity.")


def combinations() -> list[tuple[Category, bool]]:
    """Every (category, sensitive) pair a complaint can have: an SEA allegation is sensitive."""
    return [
        (category, sensitive)
        for category in Category
        for sensitive in (False, True)
        if sensitive or category != Category.sea_allegation
    ]


def table(session: Session) -> DeadlineTable:
    rows = session.exec(select(ComplaintDeadline)).all()
    order = {pair: i for i, pair in enumerate(combinations())}
    rows = sorted(rows, key=lambda r: order.get((r.category, r.sensitive), len(order)))
    return DeadlineTable(deadlines=[DeadlinePublic.model_validate(r.model_dump()) for r in rows])


def replace(session: Session, actor: Principal, data: DeadlineTableIn) -> DeadlineTable:
    """Replace the whole table: every combination exactly once, or 422 naming what is wrong."""
    given = [(d.category, d.sensitive) for d in data.deadlines]
    _check_complete(given)
    stored = {(r.category, r.sensitive): r for r in session.exec(select(ComplaintDeadline)).all()}
    before = {_key(k): r.refer_within_hours for k, r in stored.items()}
    for row in data.deadlines:
        current = stored.get((row.category, row.sensitive))
        if current is None:
            session.add(ComplaintDeadline(**row.model_dump(), updated_by=actor.name))
        elif current.refer_within_hours != row.refer_within_hours:
            current.refer_within_hours = row.refer_within_hours
            current.updated_by, current.updated_at = actor.name, utcnow()
    after = {_key((d.category, d.sensitive)): d.refer_within_hours for d in data.deadlines}
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            session, actor, "complaint_deadlines.update", "complaint_deadlines", changes=changes
        )
    session.flush()
    return table(session)


def _key(pair: tuple[Category, bool]) -> str:
    return f"{pair[0].value}{':sensitive' if pair[1] else ''}"


def _check_complete(given: list[tuple[Category, bool]]) -> None:
    expected = combinations()
    problems = [
        *(tr("{row} is missing", row=_key(p)) for p in expected if p not in given),
        *(tr("{row} is given twice", row=_key(p)) for p in set(given) if given.count(p) > 1),
        *(tr("{row} cannot exist", row=_key(p)) for p in set(given) if p not in expected),
    ]
    if problems:
        param = InvalidParam(
            location="body", field="deadlines", reason="; ".join(problems), code="deadline_table"
        )
        raise InvalidInput(
            tr(
                "The deadline table needs every category and sensitivity exactly "
                "once ({expected} rows; SEA allegations are always sensitive): "
                "{reason}.",
                expected=len(expected),
                reason=param.reason,
            ),
            errors=[param],
        )


def referral_due_on(session: Session, category: Category, sensitive: bool, received: date) -> date:
    """The day by which a complaint received on `received` must be referred."""
    row = session.get(ComplaintDeadline, (category, sensitive))
    hours = row.refer_within_hours if row is not None else _fallback_hours(category, sensitive)
    return received + timedelta(days=math.ceil(hours / 24))


def _fallback_hours(category: Category, sensitive: bool) -> int:
    # Only for a category added after the table was seeded: the documented defaults.
    if category == Category.sea_allegation:
        return 24
    return 72 if sensitive else 14 * 24


def overdue(today: date) -> ColumnElement[bool]:
    """SQL: waiting for a referral past its deadline, or for a response past its due day."""
    return or_(
        and_(Complaint.status.in_(AWAITING_REFERRAL), Complaint.referral_due_on < today),
        and_(
            Complaint.status.in_(AWAITING_RESPONSE),
            Complaint.response_due_on < today,
        ),
    )


def count_overdue(session: Session, today: date) -> int:
    """How many complaints are overdue today, as an operator's metric: the ones a broad audience
    may count (`policy.counted`, no SEA allegation nor other confidential case), one total."""
    stmt = select(func.count()).select_from(Complaint)
    return session.exec(stmt.where(policy.counted(with_sea=False), overdue(today))).one()


def is_overdue(complaint: Complaint, today: date) -> bool:
    if complaint.status in AWAITING_REFERRAL:
        return complaint.referral_due_on < today
    if complaint.status in AWAITING_RESPONSE:
        return complaint.response_due_on is not None and complaint.response_due_on < today
    return False
