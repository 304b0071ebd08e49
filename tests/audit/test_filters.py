"""GET /audit-events?organisation=: only the events of principals of that organisation."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from ehp_api.core.permissions import Role
from tests import builders


def test_the_organisation_filter_keeps_only_that_organisations_events(
    client_as: Callable[..., TestClient], anon_client: TestClient, session: Session
) -> None:
    """Kills the `organisation` filter of `audit.service.list_` dropped (`where(None)`), a
    survivor of the sampled mutation run."""
    admin = client_as(Role.admin, "OCHA")
    body = {"code": "NRC", "name_fr": "Conseil norvégien pour les réfugiés", "kind": "ngo"}
    assert admin.post("/api/v1/organisations", json=body).status_code == 201
    # An event the admin may read (a complaint's would be hidden from it: audit/policy.py).
    builders.user(session, "me@hcr.example", Role.partner, "HCR")
    login = {"username": "me@hcr.example", "password": "a long enough password"}
    assert anon_client.post("/api/v1/auth/token", data=login).status_code == 200
    for code, action in (("OCHA", "organisation.create"), ("HCR", "auth.login")):
        response = admin.get("/api/v1/audit-events", params={"organisation": code, "limit": 500})
        assert response.status_code == 200, response.text
        events = response.json()["items"]
        assert {e["organisation"] for e in events} == {code}
        assert action in {e["action"] for e in events}
