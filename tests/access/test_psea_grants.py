"""The PSEA focal point role needs a second person: the API never grants it (only the server's
command line does), and the PSEA focal points see every grant and every read of an SEA case."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from ehp_api.core.permissions import Role
from tests import builders
from tests.complaints.conftest import BASE, complaint

PSEA_VIEW = "/api/v1/audit-events/psea"
PASSWORD = "correct horse battery"


def refused(response: object, field: str) -> None:
    assert response.status_code == 403, response.text  # type: ignore[attr-defined]
    [error] = response.json()["errors"]  # type: ignore[attr-defined]
    assert (error["field"], error["code"]) == (field, "psea_grant_by_cli")


def test_an_admin_cannot_grant_the_role_to_anyone_itself_included(
    client_as: Callable[..., TestClient], session: Session
) -> None:
    admin = client_as(Role.admin, "OCHA")
    key = {"name": "mine", "organisation": "OCHA", "role": "psea_focal_point"}
    refused(admin.post("/api/v1/api-keys", json=key), "role")
    body = {"email": "me@ocha.example", "display_name": "Me", "organisation": "OCHA",
            "role": "psea_focal_point", "password": PASSWORD}  # fmt: skip
    refused(admin.post("/api/v1/users", json=body), "role")
    someone = builders.user(session, "analyst@ocha.example")
    refused(admin.patch(f"/api/v1/users/{someone.id}", json={"role": "psea_focal_point"}), "role")
    assert admin.get(f"/api/v1/users/{someone.id}").json()["role"] == "analyst"


def test_an_admin_cannot_take_over_a_psea_focal_points_account(
    client_as: Callable[..., TestClient], session: Session
) -> None:
    admin = client_as(Role.admin, "OCHA")
    holder = builders.user(session, "psea@unfpa.example", Role.psea_focal_point, "UNFPA")
    url = f"/api/v1/users/{holder.id}"
    refused(admin.patch(url, json={"password": "a new password I know"}), "password")
    assert admin.patch(url, json={"is_active": False}).status_code == 200  # revoking stays open


def test_the_psea_focal_points_see_each_grant_and_each_sea_read_by_the_new_holder(
    client_as: Callable[..., TestClient], session: Session, hcr: TestClient, app: object
) -> None:
    watcher = client_as(Role.psea_focal_point, "UNFPA")
    sea = hcr.post(BASE, json=complaint(category="sea_allegation")).json()
    secret = builders.api_key(session, Role.psea_focal_point, "OCHA")  # the CLI's grant
    newcomer = TestClient(app, headers=builders.bearer(secret))  # type: ignore[arg-type]
    me = newcomer.get("/api/v1/me").json()
    assert newcomer.get(f"{BASE}/{sea['id']}").status_code == 200

    events = watcher.get(PSEA_VIEW).json()["items"]
    granted = [(e["entity_type"], e["entity_id"]) for e in events if e["action"] == "psea.grant"]
    assert ("api_key", str(me["id"])) in granted
    reads = [
        (e["action"], e["entity_id"])
        for e in events
        if (e["principal_kind"], e["principal_id"]) == ("api_key", me["id"])
    ]
    assert reads == [("complaint.read", str(sea["id"]))]


def test_only_the_psea_focal_points_read_that_view(client_as: Callable[..., TestClient]) -> None:
    for role, org in ((Role.admin, "OCHA"), (Role.secretariat, "OCHA"), (Role.partner, "HCR")):
        assert client_as(role, org).get(PSEA_VIEW).status_code == 403
