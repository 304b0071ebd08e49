"""Trigger rules as data: versioned, evaluated on every alert, and explainable afterwards."""

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ehp_api.alerts import workflow
from ehp_api.alerts.models import Alert, AlertStatus, AlertTrigger, TriggerKind, TriggerRule
from ehp_api.alerts.schemas import TriggerRuleIn, TriggerRulePublic, TriggerRuleUpdate
from ehp_api.audit import service as audit
from ehp_api.core.errors import Conflict, InvalidInput, InvalidParam, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.core.row_locks import for_update
from ehp_api.events.models import EventType

DEFAULT_WINDOW_DAYS = 30
_PARAMS = {
    TriggerKind.severity: ("min_severity",),
    TriggerKind.recurrence: ("min_count", "window_days"),
}


def current_rules(session: Session) -> list[TriggerRule]:
    """The latest version of every rule, active or retired."""
    latest = (
        select(TriggerRule.code, func.max(TriggerRule.version).label("v"))
        .group_by(TriggerRule.code)
        .subquery()
    )
    stmt = select(TriggerRule).join(
        latest, (TriggerRule.code == latest.c.code) & (TriggerRule.version == latest.c.v)
    )
    return list(session.exec(stmt.order_by(TriggerRule.code)).all())


def current_rule(session: Session, code: str) -> TriggerRule:
    """The latest version of one rule; 404 if there is none."""
    current = next((r for r in current_rules(session) if r.code == code), None)
    if current is None:
        raise NotFound(
            tr(
                "No trigger rule {code!r}.",
                code=code,
            )
        )
    return current


def _recurrence(session: Session, alert: Alert, window_days: int) -> tuple[int, list[int]]:
    """This alert plus the others of its category in its cercle that occurred in the window
    ending on its date (`window_days` days back, both ends included); drafts do not count."""
    if alert.admin2_id is None:
        return 1, []
    start = alert.occurred_on - timedelta(days=window_days)
    others = session.exec(
        select(Alert.id)
        .where(
            Alert.category == alert.category,
            Alert.admin2_id == alert.admin2_id,
            Alert.occurred_on >= start,
            Alert.occurred_on <= alert.occurred_on,
            Alert.status != AlertStatus.draft,
            Alert.id != alert.id,
        )
        .order_by(Alert.id)
    ).all()
    return 1 + len(others), [i for i in others if i is not None]


Recurrence = Callable[[int], tuple[int, list[int]]]


def _judge(alert: Alert, rule: TriggerRule, recurrence: Recurrence) -> AlertTrigger:
    if rule.kind == TriggerKind.severity:
        inputs: dict[str, Any] = {"severity": alert.severity, "min_severity": rule.min_severity}
        fired = alert.severity >= (rule.min_severity or 6)
    else:
        count, ids = recurrence(rule.window_days or DEFAULT_WINDOW_DAYS)
        inputs = {
            "count": count,
            "min_count": rule.min_count,
            "window_days": rule.window_days,
            "admin2_known": alert.admin2_id is not None,
            "other_alert_ids": ids,
        }
        fired = count >= (rule.min_count or 0) and alert.admin2_id is not None
    return AlertTrigger(alert_id=alert.id or 0, rule_id=rule.id or 0, fired=fired, inputs=inputs)


def evaluate(session: Session, alert: Alert, *, first: bool = False) -> list[AlertTrigger]:
    """Judge the alert with the active rules; the verdicts replace any earlier ones (`first`: the
    alert was just created and has none)."""
    if not first:
        for old in session.exec(select(AlertTrigger).where(AlertTrigger.alert_id == alert.id)):
            session.delete(old)
        session.flush()
    # Counted once for each window: the rule's verdict and the alert's own count share it.
    recurrence: Recurrence = functools.cache(lambda days: _recurrence(session, alert, days))
    active = [r for r in current_rules(session) if r.active]
    verdicts = [_judge(alert, r, recurrence) for r in active]
    session.add_all(verdicts)
    recommended_before = alert.escalation_recommended
    alert.escalation_recommended = any(v.fired for v in verdicts)
    window = next(
        (r.window_days for r in active if r.kind == TriggerKind.recurrence), DEFAULT_WINDOW_DAYS
    )
    alert.recurrence = recurrence(window or DEFAULT_WINDOW_DAYS)[0]
    session.flush()
    if (
        alert.escalation_recommended
        and not recommended_before
        and alert.status != AlertStatus.draft
    ):
        workflow.announce(session, alert, EventType.alert_escalation_recommended)
    return verdicts


def to_public(rule: TriggerRule) -> TriggerRulePublic:
    return TriggerRulePublic.model_validate(rule, from_attributes=True)


def _check_params(kind: TriggerKind, values: dict[str, object]) -> None:
    missing = [p for p in _PARAMS[kind] if values.get(p) is None]
    if missing:
        errors = [
            InvalidParam(
                location="body",
                field=m,
                reason=tr(
                    "required for a {kind} rule",
                    kind=kind,
                ),
                code="missing",
            )
            for m in missing
        ]
        raise InvalidInput(
            tr(
                "A {kind} rule needs {missing}.",
                kind=kind,
                missing=", ".join(missing),
            ),
            errors=errors,
        )


def create(session: Session, actor: Principal, data: TriggerRuleIn) -> TriggerRule:
    if session.exec(select(TriggerRule.id).where(TriggerRule.code == data.code)).first():
        reason = tr("a rule has this code; change it with PATCH (a new version)")
        param = InvalidParam(location="body", field="code", reason=reason, code="already_exists")
        raise Conflict(
            tr(
                "code: {reason}.",
                reason=reason,
            ),
            errors=[param],
        )
    _check_params(data.kind, data.model_dump())
    rule = TriggerRule(**data.model_dump(), version=1, created_by=actor.name)
    session.add(rule)
    session.flush()
    audit.record(
        session,
        actor,
        "trigger_rule.create",
        "trigger_rule",
        f"{rule.code}@1",
        audit.diff(None, data.model_dump()),
    )
    return rule


def update(session: Session, actor: Principal, code: str, data: TriggerRuleUpdate) -> TriggerRule:
    """A new version with the changes; judged alerts keep the version that judged them.

    The rule's versions are locked first: a concurrent change waits, and its new version is
    seen as the current one (versions never fork)."""
    session.exec(for_update(select(TriggerRule).where(TriggerRule.code == code), TriggerRule)).all()
    current = current_rule(session, code)
    fields = ("description", "min_severity", "min_count", "window_days", "active")
    before = {f: getattr(current, f) for f in fields}
    after = before | data.model_dump(exclude_unset=True)
    _check_params(current.kind, after)
    if after == before:
        return current
    rule = TriggerRule(
        code=code, kind=current.kind, version=current.version + 1, created_by=actor.name, **after
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        actor,
        "trigger_rule.update",
        "trigger_rule",
        f"{code}@{rule.version}",
        audit.diff(before, after),
    )
    return rule
