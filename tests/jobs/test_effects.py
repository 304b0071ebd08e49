"""What each job does, run as the worker runs it (`Scheduler`, on a committed database): the
identity purge, the expiry of idempotency keys and rate-limit counters, the outbox clean-up, and
the overdue digest received by an SMTP server started by the test (aiosmtpd): the secretariat's
lists no confidential complaint, the PSEA focal points' lists the confidential ones only, and
none names a complainant or quotes a description or a narrative."""

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from ehp_api.audit.models import AuditEvent
from ehp_api.complaints.models import Complaint
from ehp_api.core.db import utcnow
from ehp_api.core.permissions import Role
from ehp_api.events.models import OutboxEvent
from ehp_api.jobs import service as jobs
from ehp_api.jobs import tasks
from ehp_api.jobs.models import ScheduledJob
from ehp_api.jobs.service import Job, Scheduler
from ehp_api.notifications.models import EMAIL, Delivery, DeliveryStatus
from ehp_api.web.idempotency_keys import IdempotencyKey
from ehp_api.web.ratelimit import RateLimitCounter
from tests.alerts.conftest import NARRATIVE, alert_body
from tests.complaints.conftest import days_ago, named
from tests.helpers import mail_subject, mail_text
from tests.notifications.conftest import Live
from tests.notifications.test_webhooks import record

NAME = "Aminata Diallo"
SEA_TEXT = "Allegation against a distribution agent at Sévaré"


def run_job(live: Live, name: str) -> dict[str, Any]:
    """Run the job of that name once, as a worker does; what its `job.run` event says."""
    [job] = [job for job in tasks.from_settings(live.settings) if job.name == name]
    due(live, job)
    Scheduler([job])(live.engine, live.settings)
    with Session(live.engine) as session:
        event = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "job.run", AuditEvent.entity_id == name)
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    return {field: change["new"] for field, change in event.changes.items()}


def due(live: Live, job: Job) -> None:
    """The job's row, due now (a daily job's first due time is its next time of day)."""
    jobs.ensure(live.engine, [job], utcnow())
    with Session(live.engine) as session, session.begin():
        session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == job.name)
            .values(next_run_at=utcnow() - timedelta(seconds=1))
        )


def test_the_identity_purge_erases_identities_past_retention(live: Live) -> None:
    hcr = live.key(Role.partner, "HCR")
    old, recent = record(live, hcr, complainant=named()), record(live, hcr, complainant=named())
    days = live.settings.identity_retention_days
    with Session(live.engine) as session, session.begin():
        for complaint_id, closed_days_ago in ((old, days + 1), (recent, days - 1)):
            session.execute(
                update(Complaint)
                .where(Complaint.id == complaint_id)
                .values(status="closed", closed_on=utcnow().date() - timedelta(closed_days_ago))
            )

    assert run_job(live, "purge_identities") == {"outcome": "ok", "identities_erased": 1}

    with Session(live.engine) as session:
        assert session.get_one(Complaint, old).identity_token is None
        assert session.get_one(Complaint, recent).identity_token is not None
        purge = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "complaint.identity_purge", AuditEvent.entity_id == str(old)
            )
        ).one()
        assert purge.principal_name == "worker:purge_identities"


def test_the_expiry_deletes_expired_idempotency_keys_and_rate_limit_counters(live: Live) -> None:
    now = utcnow()
    with Session(live.engine) as session, session.begin():
        for key, expires in (("gone", now - timedelta(seconds=1)), ("kept", now + timedelta(1))):
            session.add(IdempotencyKey(scope="jobs", key=key, request_hash="0", expires_at=expires))
            session.add(RateLimitCounter(key=f"jobs-{key}", count=3, expires_at=expires))

    done = run_job(live, "purge_expired")
    assert done["outcome"] == "ok"
    assert done["idempotency_keys_deleted"] >= 1
    assert done["rate_limit_counters_deleted"] >= 1
    with Session(live.engine) as session:
        keys = session.exec(select(IdempotencyKey.key).where(IdempotencyKey.scope == "jobs"))
        assert keys.all() == ["kept"]
        counters = session.exec(
            select(RateLimitCounter.key).where(RateLimitCounter.key.startswith("jobs-"))
        )
        assert counters.all() == ["jobs-kept"]


def _event(session: Session, public_id: str, dispatched_days_ago: int) -> int:
    event = OutboxEvent(
        public_id=public_id, type="complaint.referred", subject="complaint/1", payload={},
        audience=[], mail_audience=[],
        dispatched_at=utcnow() - timedelta(days=dispatched_days_ago),
    )  # fmt: skip
    session.add(event)
    session.flush()
    assert event.id is not None
    return event.id


def _delivery(
    session: Session, event_id: int, status: DeliveryStatus, days_ago_: int, to: str
) -> None:
    when = utcnow() - timedelta(days=days_ago_)
    session.add(
        Delivery(
            event_id=event_id, channel=EMAIL, recipient=to, view="full", status=status,
            next_attempt_at=when, created_at=when,
            delivered_at=when if status == DeliveryStatus.delivered else None,
        )
    )  # fmt: skip


def test_the_outbox_clean_up_deletes_delivered_events_past_retention(live: Live) -> None:
    days = live.settings.outbox_retention_days
    with Session(live.engine) as session, session.begin():
        old = _event(session, "jobs-old", days + 2)
        _delivery(session, old, DeliveryStatus.delivered, days + 1, "a@ocha.example")
        _delivery(session, old, DeliveryStatus.delivered, days + 1, "b@ocha.example")
        recent = _event(session, "jobs-recent", days - 1)
        _delivery(session, recent, DeliveryStatus.delivered, days - 1, "a@ocha.example")
        given_up = _event(session, "jobs-failed", days + 2)
        _delivery(session, given_up, DeliveryStatus.failed, days + 1, "a@ocha.example")
        _delivery(session, given_up, DeliveryStatus.delivered, days + 1, "b@ocha.example")
        nobody = _event(session, "jobs-nobody", days + 2)  # no subscriber: no delivery

    done = run_job(live, "purge_outbox")
    assert done["outcome"] == "ok"
    assert done["deliveries_deleted"] >= 3
    with Session(live.engine) as session:
        events = session.exec(select(OutboxEvent.id).where(OutboxEvent.id.in_(
            [old, recent, given_up, nobody]
        ))).all()  # fmt: skip
        assert sorted(events) == [recent, given_up]
        ours = Delivery.event_id.in_([old, recent, given_up])
        left = session.exec(select(Delivery.event_id, Delivery.status).where(ours)).all()
        assert sorted(left) == [(recent, "delivered"), (given_up, "failed")]


def _escalate(live: Live, headers: dict[str, str], ocha: dict[str, str], due: str) -> int:
    alert = live.client.post(
        "/api/v1/alerts", json=alert_body(kind="ehp_referral"), headers=headers
    )
    assert alert.status_code == 201, alert.text
    alert_id = int(alert.json()["id"])
    steps = f"/api/v1/alerts/{alert_id}/transitions"
    for who, body in (
        (headers, {"to": "submitted"}),
        (ocha, {"to": "under_review"}),
        (ocha, {"to": "escalated", "meeting_on": "2021-05-10", "decision": "Advocacy letter",
                "accountable_organisation": "HCR", "follow_up_due_on": due}),
    ):  # fmt: skip
        response = live.client.post(steps, json=body, headers=who)
        assert response.status_code == 200, response.text
    return alert_id


def _digests(live: Live) -> dict[str, tuple[str, str]]:
    return {tos[0]: (mail_subject(m), mail_text(m)) for tos, m in live.mailbox.messages}


def test_the_overdue_digest_tells_each_recipient_what_it_may_know(live: Live) -> None:
    live.user("digest@ocha.example", Role.secretariat, "OCHA")
    live.user("digest-psea@unfpa.example", Role.psea_focal_point, "UNFPA")
    live.user("digest-partner@hcr.example", Role.partner, "HCR")
    hcr, ocha = live.key(Role.partner, "HCR"), live.key(Role.secretariat, "OCHA")
    late = record(live, hcr, received_on=days_ago(30), complainant=named(name=NAME))
    on_time = record(live, hcr)
    sea = record(
        live, hcr, category="sea_allegation", received_on=days_ago(5), description=SEA_TEXT,
        complainant=named(name=NAME),
    )  # fmt: skip
    escalated = _escalate(live, hcr, ocha, "2021-06-10")
    not_yet = _escalate(live, hcr, ocha, "2099-01-01")

    done = run_job(live, "overdue_digest")

    mails = _digests(live)
    assert done["outcome"] == "ok"
    assert done["mails_sent"] == len(mails)
    assert done["mails_failed"] == 0
    assert "digest-partner@hcr.example" not in mails
    subject, secretariat = mails["digest@ocha.example"]
    assert subject.startswith(f"[EHP] Overdue on {utcnow().date().isoformat()}:")
    assert f"- complaint {late}: Complaint about assistance, Received, received" in secretariat
    assert f"- alert {escalated}: Referral to the EHP (saisine)," in secretariat
    assert "follow-up due 2021-06-10, follow-up by HCR" in secretariat
    for absent in (f"complaint {on_time}:", f"complaint {sea}:", f"alert {not_yet}:", "SEA"):
        assert absent not in secretariat
    _, psea = mails["digest-psea@unfpa.example"]
    assert f"- complaint {sea}: SEA allegation, Received, received" in psea
    for absent in (f"complaint {late}:", f"complaint {on_time}:", "alert "):
        assert absent not in psea
    for _, body in mails.values():
        for secret in (NAME, "+223", SEA_TEXT, "Sévaré", NARRATIVE, "Advocacy letter"):
            assert secret not in body


def test_in_a_french_deployment_the_digest_is_in_french(live: Live) -> None:
    """EHP_DEFAULT_LANGUAGE=fr: the subject, the lines and the labels of categories, statuses
    and kinds in French; ids, dates and organisation codes as they are."""
    live.user("digest-fr@ocha.example", Role.secretariat, "OCHA")
    live.user("digest-fr-psea@unfpa.example", Role.psea_focal_point, "UNFPA")
    hcr, ocha = live.key(Role.partner, "HCR"), live.key(Role.secretariat, "OCHA")
    late = record(live, hcr, received_on=days_ago(30))
    sea = record(live, hcr, category="sea_allegation", received_on=days_ago(5))
    escalated = _escalate(live, hcr, ocha, "2021-06-10")
    english = live.settings
    live.settings = english.model_copy(update={"default_language": "fr"})
    try:
        done = run_job(live, "overdue_digest")
    finally:
        live.settings = english

    mails = _digests(live)
    assert done["mails_sent"] == len(mails)
    today = utcnow().date().isoformat()
    subject, secretariat = mails["digest-fr@ocha.example"]
    assert subject.startswith(f"[EHP] En retard au {today} : ")
    assert "plainte(s)" in subject
    assert f"Ce qui est en retard au {today} (UTC)" in secretariat
    assert "Plaintes dont l'échéance est dépassée :" in secretariat
    assert f"- plainte {late} : Plainte sur l'assistance, Reçue, reçue le " in secretariat
    assert "Alertes remontées dont la date de suivi est dépassée :" in secretariat
    assert f"- alerte {escalated} : Saisine de l'EHP, " in secretariat
    assert "suivi attendu le 2021-06-10, suivi par HCR" in secretariat
    assert "Consultez chacune avec votre propre compte : GET /api/v1/complaints/{id}" in secretariat
    for english_word in ("Overdue", "complaint ", "received", "follow-up"):
        assert english_word not in secretariat
    _, psea = mails["digest-fr-psea@unfpa.example"]
    assert f"- plainte {sea} : Allégation d'EAS, Reçue, reçue le " in psea


def test_without_an_smtp_server_the_digest_sends_nothing(live: Live) -> None:
    live.user("digest-nosmtp@ocha.example", Role.secretariat, "OCHA")
    hcr = live.key(Role.partner, "HCR")
    record(live, hcr, received_on=days_ago(30))
    settings = live.settings.model_copy(update={"smtp_host": None})
    [job] = [job for job in tasks.from_settings(settings) if job.name == "overdue_digest"]
    due(live, job)
    Scheduler([job])(live.engine, settings)
    assert live.mailbox.messages == []
    with Session(live.engine) as session:
        assert session.get_one(ScheduledJob, "overdue_digest").last_outcome == "ok"
