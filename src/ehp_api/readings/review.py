"""Changing one reading: PATCH, DELETE, and the secretariat's validate / reject / reopen."""

import hashlib
import json
from typing import Any

from sqlmodel import Session

from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, InvalidInput, InvalidParam, PreconditionFailed
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.events import service as events
from ehp_api.events.models import EventType
from ehp_api.indicators.models import Indicator, MeasureType
from ehp_api.periods import service as periods_service
from ehp_api.periods.models import Period
from ehp_api.readings import changes, policy, service, store, validation
from ehp_api.readings import lookups as lookups_module
from ehp_api.readings.lookups import IndicatorInfo
from ehp_api.readings.models import Reading, ReadingHistory, ReadingStatus
from ehp_api.readings.schemas import ReadingIn, ReadingUpdate
from ehp_api.web.middleware import GZIP_TAG_SUFFIX

_TRACKED = (
    *("numerator", "denominator", "status", "comment", "external_ref", "rejection_reason"),
    *("validated_numerator", "validated_denominator"),
)
_DETAILS = ("comment", "external_ref")


def _snapshot(reading: Reading) -> dict[str, Any]:
    return {field: getattr(reading, field) for field in _TRACKED}


def etag(reading: Reading) -> str:
    """The reading's version as an HTTP entity tag: it changes with its value, status or details.
    A reviewer sends it back in `If-Match` to act only on the version they read."""
    state = json.dumps([reading.id, *_snapshot(reading).values()], default=str)
    return '"' + hashlib.sha256(state.encode()).hexdigest()[:20] + '"'


def _check_seen(reading: Reading, if_match: str | None) -> None:
    """412 when the caller read another version than the one stored now (RFC 9110 If-Match)."""
    if if_match is None:
        return
    # The gzipped answer's tag (`"...-gzip"`, see `middleware`) names the same version.
    tags = {tag.strip().replace(GZIP_TAG_SUFFIX + '"', '"') for tag in if_match.split(",")}
    if "*" in tags or etag(reading) in tags:
        return
    reason = tr(
        "the reading changed since you read it; read it again (its ETag) and review that",
    )
    param = InvalidParam(location="header", field="If-Match", reason=reason, code="stale")
    raise PreconditionFailed(
        tr(
            "If-Match: {reason}.",
            reason=reason,
        ),
        errors=[param],
    )


def _validated(reading: Reading) -> tuple[int | None, int | None]:
    return reading.validated_numerator, reading.validated_denominator


def _locked(session: Session, principal: Principal, reading_id: int) -> Reading:
    """The reading locked for a change, its period held against a lock first: a batch takes the
    two in this order too, so they never wait for each other in a circle."""
    period_id = service.get(session, principal, reading_id).period_id
    periods_service.share(session, [periods_service.code_of(session, period_id)])
    return service.get(session, principal, reading_id, lock=True)


def _editable(session: Session, principal: Principal, reading: Reading) -> IndicatorInfo:
    """Partners change only their own unvalidated readings, and nobody changes a locked period."""
    if not policy.may_write_any(principal):
        if reading.organisation_id != principal.organisation_id:
            raise Conflict(tr("Only the secretariat changes another organisation's reading."))
        if reading.status == ReadingStatus.validated:
            raise Conflict(
                tr(
                    "This reading is validated and frozen; post a correction for the "
                    "same indicator, period, location and breakdown, and the secretariat "
                    "will validate it.",
                )
            )
    lookups = lookups_module.load(session)
    period = next(p for p in lookups.periods.values() if p.id == reading.period_id)
    try:
        validation.check_period(lookups, period.code)
    except validation.RowRefused as refusal:
        raise Conflict(refusal.message) from None
    return next(i for i in lookups.indicators.values() if i.id == reading.indicator_id)


def _new_value(
    indicator: IndicatorInfo, reading: Reading, fields: dict[str, Any]
) -> tuple[int, int | None]:
    """The value a PATCH asks for, checked like a posted one; a fraction may change one side."""
    if indicator.measure == MeasureType.percentage:
        fields = {"numerator": reading.numerator, "denominator": reading.denominator, **fields}
    candidate = ReadingIn.model_construct(
        **{"value": None, "numerator": None, "denominator": None, **fields}
    )
    try:
        return validation.value_of(indicator, candidate)
    except validation.RowRefused as refusal:
        param = InvalidParam(
            location="body", field=refusal.field, reason=refusal.message, code=refusal.code
        )
        raise InvalidInput(refusal.message, errors=[param]) from None


def _record(
    session: Session,
    principal: Principal,
    reading: Reading,
    event: str,
    before: dict[str, Any],
    note: str | None = None,
) -> None:
    session.add(
        ReadingHistory(
            reading_id=reading.id or 0,
            changed_by=principal.name,
            event=event,
            old_numerator=before["numerator"],
            old_denominator=before["denominator"],
            new_numerator=reading.numerator,
            new_denominator=reading.denominator,
            old_status=before["status"],
            new_status=reading.status,
            note=note,
            changes={
                f: {"old": before[f], "new": getattr(reading, f)}
                for f in _DETAILS
                if before[f] != getattr(reading, f)
            }
            or None,
        )
    )
    audit.record(
        session,
        principal,
        f"reading.{event}",
        "reading",
        reading.id,
        audit.diff(before, _snapshot(reading)),
    )
    session.flush()


def update(
    session: Session,
    principal: Principal,
    reading_id: int,
    data: ReadingUpdate,
    if_match: str | None = None,
) -> Reading:
    reading = _locked(session, principal, reading_id)
    indicator = _editable(session, principal, reading)
    _check_seen(reading, if_match)
    before = _snapshot(reading)
    fields = data.model_dump(exclude_unset=True)
    value_fields: dict[str, Any] = {
        k: fields[k] for k in ("value", "numerator", "denominator") if k in fields
    }
    if value_fields:
        reading.numerator, reading.denominator = _new_value(indicator, reading, value_fields)
    for name in _DETAILS:
        if name in fields:
            setattr(reading, name, fields[name])
    new = (reading.numerator, reading.denominator)
    status, clears_reason = store.status_after(before, new)
    reading.status = ReadingStatus(status)
    if clears_reason:
        reading.rejection_reason = None
    if _snapshot(reading) != before:
        reading.updated_at, reading.updated_by = utcnow(), principal.name
        changed = new != (before["numerator"], before["denominator"])
        _record(
            session, principal, reading, "value_changed" if changed else "details_changed", before
        )
    return reading


def delete(session: Session, principal: Principal, reading_id: int) -> None:
    reading = _locked(session, principal, reading_id)
    _editable(session, principal, reading)
    audit.record(
        session,
        principal,
        "reading.delete",
        "reading",
        reading.id,
        audit.diff(_snapshot(reading), None),
    )
    counted = reading.validated_numerator is not None
    session.delete(reading)
    session.flush()
    if counted:
        _announce(session, reading)


def transition(
    session: Session,
    principal: Principal,
    reading_id: int,
    to: ReadingStatus,
    reason: str | None = None,
    if_match: str | None = None,
) -> Reading:
    """validate (submitted -> validated), reject (submitted -> rejected), reopen (-> submitted).

    Validating makes the reading's value the one every figure counts; rejecting a correction
    leaves the validated value counting; reopening a validated reading withdraws it.

    The row is locked first, so the guard sees the last committed state; with `if_match`, the
    step applies only to the version the reviewer read (a value changed since is 412)."""
    reading = service.get(session, principal, reading_id, lock=True)
    allowed = {
        ReadingStatus.validated: {ReadingStatus.submitted},
        ReadingStatus.rejected: {ReadingStatus.submitted},
        ReadingStatus.submitted: {ReadingStatus.validated, ReadingStatus.rejected},
    }[to]
    if reading.status not in allowed:
        names = ", ".join(sorted(allowed))
        raise Conflict(
            tr(
                "The reading is {status}; it can become {to} only from {names}.",
                status=reading.status,
                to=to,
                names=names,
            )
        )
    _check_seen(reading, if_match)
    before = _snapshot(reading)
    reading.status, reading.rejection_reason = to, reason
    if to == ReadingStatus.validated:  # what every figure counts from now on
        reading.validated_numerator, reading.validated_denominator = (
            reading.numerator,
            reading.denominator,
        )
    elif before["status"] == ReadingStatus.validated:  # reopened: it no longer counts
        reading.validated_numerator = reading.validated_denominator = None
    reading.reviewed_by, reading.reviewed_at = principal.name, utcnow()
    reading.updated_at = reading.reviewed_at
    event = {
        ReadingStatus.validated: "validated",
        ReadingStatus.rejected: "rejected",
        ReadingStatus.submitted: "reopened",
    }[to]
    _record(session, principal, reading, event, before, note=reason)
    if _validated(reading) != (before["validated_numerator"], before["validated_denominator"]):
        _announce(session, reading)
    if to == ReadingStatus.rejected:
        _tell_rejected(session, reading)
    return reading


def _tell_rejected(session: Session, reading: Reading) -> None:
    """The reading's organisation is told (webhooks) that its reading was sent back, and why."""
    data = {
        "id": reading.id,
        "status": reading.status.value,
        "indicator": session.get_one(Indicator, reading.indicator_id).code,
        "period": session.get_one(Period, reading.period_id).code,
        "rejection_reason": reading.rejection_reason,
    }
    events.emit(
        session, EventType.reading_rejected, f"reading/{reading.id}", data, policy.audience(reading)
    )


def _announce(session: Session, reading: Reading) -> None:
    """The figures that rest on the reading's validated value are recomputed (see `changes`)."""
    changes.validated_changed(
        session, [(reading.indicator_id, reading.organisation_id, reading.period_id)]
    )
