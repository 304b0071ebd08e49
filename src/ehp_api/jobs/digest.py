"""The daily digest: one e-mail per recipient (the secretariat, the PSEA focal points) listing
the complaints past their referral or response deadline and the escalated alerts past their
follow-up day, as each recipient may know of them (`jobs.policy`). Ids, codes, statuses and
dates only: never an identity, a description, a narrative or a decision's text; the records are
read in the service. Sent through the notifications' SMTP path; nothing overdue, no mail."""

import logging
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from sqlalchemy import Engine
from sqlmodel import Session, select

from ehp_api.access.models import User
from ehp_api.alerts.models import Alert, AlertCategory, AlertEvent, AlertKind, AlertStatus
from ehp_api.complaints import deadlines
from ehp_api.complaints.models import Category, Complaint, ComplaintStatus
from ehp_api.core.config import Settings
from ehp_api.core.db import deferred
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal, PrincipalKind, for_role
from ehp_api.jobs import policy
from ehp_api.notifications import mail
from ehp_api.organisations.models import Organisation

log = logging.getLogger("ehp_api.jobs")


@dataclass(frozen=True)
class FollowUp:
    alert: Alert
    escalated_on: date
    due_on: date
    accountable: str | None


def overdue_complaints(session: Session, principal: Principal, today: date) -> list[Complaint]:
    condition = policy.digest_complaints(principal)
    if condition is None:
        return []
    stmt = select(Complaint).where(condition, deadlines.overdue(today)).order_by(Complaint.id)
    return list(session.exec(stmt).all())


def overdue_follow_ups(session: Session, today: date) -> list[FollowUp]:
    """Alerts still escalated whose last escalation's follow-up day has passed."""
    rows = session.exec(
        select(Alert, AlertEvent)
        .where(
            Alert.status == AlertStatus.escalated,
            AlertEvent.alert_id == Alert.id,
            AlertEvent.to_status == AlertStatus.escalated,
        )
        .order_by(Alert.id, AlertEvent.id)
    ).all()
    last = {alert.id: (alert, event) for alert, event in rows}  # the latest escalation wins
    found = []
    for alert, event in last.values():
        due = event.details.get("follow_up_due_on")
        if due and date.fromisoformat(due) < today:
            accountable = event.details.get("accountable_organisation")
            found.append(FollowUp(alert, event.on, date.fromisoformat(due), accountable))
    return found


@mail.in_deployment_language
def compose(
    settings: Settings,
    to: str,
    today: date,
    complaints: list[Complaint],
    follow_ups: list[FollowUp],
    codes: dict[int, str],
) -> EmailMessage:
    """One recipient's digest."""
    day = today.isoformat()
    subject = "[EHP] " + tr(
        "Overdue on {day}: {complaints} complaint(s), {follow_ups} escalation follow-up(s)",
        day=day, complaints=len(complaints), follow_ups=len(follow_ups),
    )  # fmt: skip
    # One digest a day per address: a run again the same day shows as the same message.
    message = mail.headed(settings, to, subject, f"digest-{day}")
    lines = [tr("What is overdue on {day} (UTC), as you may read it in the service.", day=day)]
    if complaints:
        lines += ["", tr("Complaints past their deadline:")]
        lines += [_complaint_line(c, codes) for c in complaints]
    if follow_ups:
        lines += ["", tr("Escalated alerts past their follow-up day:")]
        lines += [_follow_up_line(f) for f in follow_ups]
    lines += ["", tr("Read each one with your own account: GET {complaint}, GET {alert}.",
                     complaint="/api/v1/complaints/{id}", alert="/api/v1/alerts/{id}")]  # fmt: skip
    message.set_content("\n".join(lines))
    return message


def _complaint_line(complaint: Complaint, codes: dict[int, str]) -> str:
    if complaint.status in deadlines.AWAITING_REFERRAL:
        due = tr("referral due {day}", day=complaint.referral_due_on.isoformat())
    else:
        due = tr("response due {day}", day=complaint.response_due_on)
    referred = (
        tr(", referred to {organisation}", organisation=codes.get(complaint.referred_to_id, "?"))
        if complaint.referred_to_id is not None
        else ""
    )
    return tr(
        "- complaint {id}: {category}, {status}, received {received_on}, {due}{referred}",
        id=complaint.id, category=mail.shown(Category, complaint.category),
        status=mail.shown(ComplaintStatus, complaint.status),
        received_on=complaint.received_on.isoformat(), due=due, referred=referred,
    )  # fmt: skip


def _follow_up_line(follow_up: FollowUp) -> str:
    alert = follow_up.alert
    who = (
        tr(", follow-up by {organisation}", organisation=follow_up.accountable)
        if follow_up.accountable
        else ""
    )
    return tr(
        "- alert {id}: {kind}, {category}, severity {severity}, escalated {escalated_on}, "
        "follow-up due {due_on}{who}",
        id=alert.id, kind=mail.shown(AlertKind, alert.kind),
        category=mail.shown(AlertCategory, alert.category), severity=alert.severity,
        escalated_on=follow_up.escalated_on.isoformat(), due_on=follow_up.due_on.isoformat(),
        who=who,
    )  # fmt: skip


def send(engine: Engine, settings: Settings, today: date) -> dict[str, int]:
    """Compose every recipient's digest from one read, then send them (no transaction held);
    counts of mails sent and failed (a failed one is not retried: tomorrow's says it again)."""
    if not settings.smtp_host:
        return {"mails_sent": 0, "mails_failed": 0}
    with Session(deferred(engine)) as session:
        users = session.exec(
            select(User)
            .where(User.is_active.is_(True), User.role.in_(policy.RECIPIENT_ROLES))
            .order_by(User.id)
        ).all()
        codes = {o.id: o.code for o in session.exec(select(Organisation)).all() if o.id}
        follow_ups = overdue_follow_ups(session, today)
        messages = []
        for user in users:
            principal = for_role(
                PrincipalKind.user, user.id or 0, user.email, user.organisation_id,
                codes.get(user.organisation_id, ""), user.role,
            )  # fmt: skip
            complaints = overdue_complaints(session, principal, today)
            alerts = follow_ups if policy.digest_alerts(principal) else []
            if complaints or alerts:
                messages.append(compose(settings, user.email, today, complaints, alerts, codes))
    sent = failed = 0
    for message in messages:
        try:
            mail.send(settings, message)
            sent += 1
        except (OSError, mail.smtplib.SMTPException) as failure:
            failed += 1
            log.warning("overdue digest to a recipient failed: %s", type(failure).__name__)
    return {"mails_sent": sent, "mails_failed": failed}
