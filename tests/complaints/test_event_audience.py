"""Who is told of an event about a complaint (`complaints.policy.audience`), and the audit log's
rule for a complaint its reader's rule cannot decide, each checked on the values they decide.

The mutation pass of `complaints` (docs/mutation.md) found `audience` held by no test of this
folder (the notifications' tests reach it, outside the target): `or` as `and` between its two
conditions (`x_audience__mutmut_1`: an SEA allegation a legacy row left unmarked told to the
organisation it is referred to), `==` as `!=` (`_2`: every ordinary complaint told to the PSEA
focal points alone, and SEA allegations to their referral), and the organisation dropped from the
ordinary audience (`_5`, `_7`: every organisation's readers told of every complaint).
"""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ehp_api.audit import policy as audit_policy
from ehp_api.audit.models import AuditEvent
from ehp_api.complaints import policy
from ehp_api.complaints.models import Category, Complaint
from ehp_api.core.permissions import Permission, Role, permissions_of
from ehp_api.core.principal import Principal, PrincipalKind
from ehp_api.events.policy import Audience
from ehp_api.organisations.models import Organisation
from tests.complaints.conftest import create, days_ago, move

UNICEF_ID = 7


@pytest.mark.parametrize(
    ("category", "sensitive", "expected"),
    [
        # Ordinary: the organisation it is referred to, and no one else.
        (
            Category.exclusion,
            False,
            [Audience(Permission.complaints_read, organisation_id=UNICEF_ID)],
        ),
        # Marked sensitive: the PSEA focal points alone.
        (Category.exclusion, True, [Audience(Permission.complaints_confidential)]),
        # An SEA allegation, even one a legacy row left unmarked: the PSEA focal points alone.
        (Category.sea_allegation, False, [Audience(Permission.complaints_confidential)]),
        (Category.sea_allegation, True, [Audience(Permission.complaints_confidential)]),
    ],
)
def test_the_audience_of_a_complaints_events(
    category: Category, sensitive: bool, expected: list[Audience]
) -> None:
    complaint = Complaint(category=category, sensitive=sensitive, referred_to_id=UNICEF_ID)
    assert policy.audience(complaint) == expected


def test_a_complaint_the_readers_rule_cannot_decide_keeps_its_events_hidden(
    client_as: Callable[..., TestClient], session: Session
) -> None:
    """The audit rule hides an event when the complaint's visibility is NULL for its reader, not
    only when it is false: a partner's rule (`recorded by us or referred to us`) is NULL for a
    complaint of another organisation referred to no one (`referred_to_id = NULL`). No role now
    holds both `audit:read` and that rule, so the reader is built with the partner's permissions
    and `audit:read`: should a role ever get both, such a complaint's events stay out of its
    audit log (mutmut `x_audit_events_hidden__mutmut_15`, `coalesce(visible, NULL)`, shows them)."""
    hcr, unicef = client_as(Role.partner, "HCR"), client_as(Role.partner, "UNICEF")
    theirs = create(unicef)["id"]  # recorded by UNICEF, referred to no one
    ours = create(hcr)["id"]
    referred_to_us = create(unicef)["id"]
    move(unicef, referred_to_us, "referred", organisation="HCR", due_on=days_ago(-3))
    org = session.exec(select(Organisation).where(Organisation.code == "HCR")).one()
    reader = Principal(
        PrincipalKind.user,
        None,
        "HCR auditor",
        org.id,
        "HCR",
        None,
        permissions_of(Role.partner) | {Permission.audit_read},
    )
    shown = set(
        session.exec(
            select(AuditEvent.entity_id).where(
                AuditEvent.entity_type == "complaint", audit_policy.visible_to(reader)
            )
        ).all()
    )
    assert str(ours) in shown
    assert str(referred_to_us) in shown
    assert str(theirs) not in shown
