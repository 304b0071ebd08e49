"""E-mail through a real SMTP server started by the test (aiosmtpd): the PSEA focal points on
every new SEA allegation, and no one else; the organisation a complaint is referred to; never a
complainant's identity or the narrative."""

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from ehp_api.access.models import User
from ehp_api.core.permissions import Role
from tests.complaints.conftest import named
from tests.helpers import mail_subject, mail_text
from tests.notifications.conftest import Live, eventually
from tests.notifications.test_webhooks import record, refer, settled

SEA_TEXT = "Allegation against a distribution agent at Sévaré"
NAME = "Aminata Diallo"


def active_emails(live: Live, *roles: Role) -> set[str]:
    with Session(live.engine) as session:
        rows = session.exec(select(User).where(User.is_active.is_(True), User.role.in_(roles)))
        return {user.email for user in rows}


def test_a_new_sea_allegation_is_mailed_to_the_psea_focal_points_only(live: Live) -> None:
    live.user("psea@unfpa.example", Role.psea_focal_point, "UNFPA")
    live.user("psea@unicef.example", Role.psea_focal_point, "UNICEF")
    live.user("partner@unfpa.example", Role.partner, "UNFPA")
    live.user("secretariat@ocha.example", Role.secretariat, "OCHA")
    hcr = live.key(Role.partner, "HCR")

    sea = record(
        live, hcr, category="sea_allegation", description=SEA_TEXT, complainant=named(name=NAME)
    )

    focal_points = active_emails(live, Role.psea_focal_point)
    assert {"psea@unfpa.example", "psea@unicef.example"} <= focal_points
    eventually(lambda: len(live.mailbox.messages) >= len(focal_points))
    eventually(lambda: settled(live))
    assert sorted(to for tos, _ in live.mailbox.messages for to in tos) == sorted(focal_points)
    for tos, message in live.mailbox.messages:
        assert message["To"] == tos[0]
        assert message["From"] == "ehp-api@ocha.example"
        assert message["Subject"] == "[EHP] New SEA allegation recorded"
        text = mail_text(message)
        assert f"id: {sea}" in text
        assert f"GET /api/v1/complaints/{sea}" in text
        for secret in (SEA_TEXT, "Sévaré", NAME, "+223"):
            assert secret not in text


def test_a_referral_is_mailed_to_the_organisation_it_is_referred_to(live: Live) -> None:
    live.user("protection@unicef.example", Role.partner, "UNICEF")
    live.user("analyst@unicef.example", Role.analyst, "UNICEF")
    live.user("protection@oim.example", Role.partner, "OIM")
    hcr = live.key(Role.partner, "HCR")
    complaint_id = record(live, hcr)

    refer(live, hcr, complaint_id, "UNICEF")

    eventually(lambda: live.mailbox.messages)
    eventually(lambda: settled(live))
    recipients = {to for tos, _ in live.mailbox.messages for to in tos}
    with Session(live.engine) as session:
        unicef_readers = {
            user.email
            for user in session.exec(select(User).where(User.is_active.is_(True)))
            if user.organisation.code == "UNICEF"
            and user.role in (Role.partner, Role.secretariat, Role.psea_focal_point)
        }
    assert recipients == unicef_readers
    assert "analyst@unicef.example" not in recipients
    [(_, message), *_] = live.mailbox.messages
    assert message["Subject"] == "[EHP] A complaint was referred to your organisation"
    assert "referred_to: UNICEF" in mail_text(message)


@pytest.fixture
def in_french(live: Live) -> Iterator[Live]:
    """The worker of a deployment whose language is French (EHP_DEFAULT_LANGUAGE=fr)."""
    live.stop_worker()
    english = live.settings
    live.settings = english.model_copy(update={"default_language": "fr"})
    live.start_worker()
    yield live
    live.stop_worker()
    live.settings = english


def test_in_a_french_deployment_the_sea_allegation_mail_is_in_french(in_french: Live) -> None:
    live = in_french
    live.user("psea-fr@unfpa.example", Role.psea_focal_point, "UNFPA")
    hcr = live.key(Role.partner, "HCR")

    sea = record(
        live, hcr, category="sea_allegation", description=SEA_TEXT, complainant=named(name=NAME)
    )

    eventually(lambda: any(tos == ["psea-fr@unfpa.example"] for tos, _ in live.mailbox.messages))
    eventually(lambda: settled(live))
    [message] = [m for tos, m in live.mailbox.messages if tos == ["psea-fr@unfpa.example"]]
    # Sent as RFC 2047 encoded words (non-ASCII); read as a mail client shows it.
    subject = mail_subject(message)
    assert subject == "[EHP] Nouvelle allégation d'EAS enregistrée"
    assert message["Message-ID"].endswith("@ehp-api>")
    text = mail_text(message)
    assert text.startswith("Nouvelle allégation d'EAS enregistrée.\r\n")
    assert f"id : {sea}" in text
    assert "catégorie : Allégation d'EAS" in text
    assert "statut : Reçue" in text
    assert f"À consulter dans le service : GET /api/v1/complaints/{sea}" in text
    assert "(avec votre propre compte : vous y lisez ce que vous avez le droit de lire)." in text
    assert "Événement " in text
    for english in ("Read it", "category", "sea_allegation", "received"):
        assert english not in text
    for secret in (SEA_TEXT, "Sévaré", NAME, "+223"):
        assert secret not in text
