"""Logging in, API keys and users, end to end through the API."""

from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ehp_api.access.models import ApiKey, LoginRefusal
from ehp_api.audit.models import AuditEvent
from ehp_api.core.db import MAX_ID, utcnow
from ehp_api.core.permissions import Role
from ehp_api.web.idempotency_keys import IdempotencyKey, Storage
from tests import builders

PASSWORD = "a long enough password"
ATTACKER = ("203.0.113.9", 40000)


def login(client: TestClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def audit_actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


class TestNoCredentials:
    def test_401_problem_with_www_authenticate(self, anon_client: TestClient) -> None:
        response = anon_client.get("/api/v1/activities")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_unknown_secret_is_a_401(self, anon_client: TestClient) -> None:
        response = anon_client.get("/api/v1/me", headers=builders.bearer("ehpk_nope_nope"))
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


class TestLogin:
    def test_password_flow_returns_a_working_bearer_token(
        self, anon_client: TestClient, session: Session
    ) -> None:
        builders.user(session, "analyst@ocha.example", Role.analyst, "OCHA")
        response = login(anon_client, "Analyst@OCHA.example")
        assert response.status_code == 200
        token = response.json()
        assert token["token_type"] == "bearer"
        assert token["expires_in"] == 480 * 60
        me = anon_client.get("/api/v1/me", headers=builders.bearer(token["access_token"])).json()
        assert me == {
            "kind": "user", "id": me["id"], "name": "analyst@ocha.example",
            "organisation": "OCHA", "role": "analyst",
            "permissions": ["alerts:read", "readings:read", "webhooks:manage", "workplan:read"],
        }  # fmt: skip
        assert audit_actions(session, "auth.login")

    def test_wrong_password_and_unknown_email_are_the_same_401(
        self, anon_client: TestClient, session: Session
    ) -> None:
        builders.user(session, "a@ocha.example")
        wrong = login(anon_client, "a@ocha.example", "not the password!")
        unknown = login(anon_client, "nobody@ocha.example")
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["detail"] == unknown.json()["detail"]
        assert wrong.headers["WWW-Authenticate"] == "Bearer"

    def test_failures_are_audited_without_the_password(
        self, anon_client: TestClient, session: Session
    ) -> None:
        login(anon_client, "nobody@ocha.example", "hunter2-secret-attempt")
        [event] = audit_actions(session, "auth.login_failed")
        assert event.principal_name == "nobody@ocha.example"
        assert event.changes["reason"]["new"] == "bad_credentials"
        assert "hunter2" not in str(event.model_dump())

    def test_brute_force_is_limited_per_account(
        self, anon_client: TestClient, session: Session
    ) -> None:
        builders.user(session, "target@ocha.example")
        statuses = [
            login(anon_client, "target@ocha.example", "guess").status_code for _ in range(6)
        ]
        assert statuses == [401] * 5 + [429]
        refused = login(anon_client, "target@ocha.example")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) >= 1
        reasons = [e.changes["reason"]["new"] for e in audit_actions(session, "auth.login_failed")]
        assert reasons.count("rate_limited") == 1

    def test_a_flood_of_refusals_is_counted_not_audited_one_by_one(
        self, anon_client: TestClient, session: Session
    ) -> None:
        builders.user(session, "target@ocha.example")
        statuses = [
            login(anon_client, "target@ocha.example", "guess").status_code for _ in range(25)
        ]
        assert statuses == [401] * 5 + [429] * 20
        failed = audit_actions(session, "auth.login_failed")
        reasons = [event.changes["reason"]["new"] for event in failed]
        assert sorted(reasons) == ["bad_credentials"] * 5 + ["rate_limited"]
        [refusal] = session.exec(select(LoginRefusal)).all()
        assert (refusal.account, refusal.client_ip, refusal.count) == (
            "target@ocha.example",
            "testclient",
            20,
        )

    def test_an_address_hammering_an_account_does_not_lock_its_owner_out(
        self, app: FastAPI, anon_client: TestClient, session: Session
    ) -> None:
        builders.user(session, "target@ocha.example")
        with TestClient(app, raise_server_exceptions=False, client=ATTACKER) as attacker:
            statuses = [
                login(attacker, "target@ocha.example", "guess").status_code for _ in range(8)
            ]
        assert statuses == [401] * 5 + [429] * 3
        assert login(anon_client, "target@ocha.example").status_code == 200

    def test_one_address_is_limited_over_all_accounts(
        self, app: FastAPI, anon_client: TestClient
    ) -> None:
        with TestClient(app, raise_server_exceptions=False, client=ATTACKER) as attacker:
            statuses = [
                login(attacker, f"user{n}@ocha.example", "guess").status_code for n in range(31)
            ]
        assert statuses == [401] * 30 + [429]
        assert login(anon_client, "user0@ocha.example", "guess").status_code == 401

    def test_many_addresses_meet_the_account_ceiling(self, app: FastAPI, session: Session) -> None:
        builders.user(session, "target@ocha.example")
        statuses = []
        for n in range(11):
            address = (f"198.51.100.{n}", 40000)
            with TestClient(app, raise_server_exceptions=False, client=address) as client:
                statuses += [
                    login(client, "target@ocha.example", "guess").status_code for _ in range(5)
                ]
        assert statuses == [401] * 50 + [429] * 5

    def test_deactivated_user_cannot_log_in_and_loses_sessions(
        self, anon_client: TestClient, client_as: Callable[..., TestClient], session: Session
    ) -> None:
        user = builders.user(session, "leaver@ocha.example")
        token = login(anon_client, "leaver@ocha.example").json()["access_token"]
        admin = client_as(Role.admin, "OCHA")
        assert admin.patch(f"/api/v1/users/{user.id}", json={"is_active": False}).status_code == 200
        assert anon_client.get("/api/v1/me", headers=builders.bearer(token)).status_code == 401
        assert login(anon_client, "leaver@ocha.example").status_code == 401

    def test_logout_revokes_the_token(self, anon_client: TestClient, session: Session) -> None:
        builders.user(session, "u@ocha.example")
        headers = builders.bearer(login(anon_client, "u@ocha.example").json()["access_token"])
        assert anon_client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert anon_client.get("/api/v1/me", headers=headers).status_code == 401
        assert len(audit_actions(session, "auth.logout")) == 1


class TestApiKeys:
    def test_admin_creates_a_key_that_works_once_shown(
        self, client_as: Callable[..., TestClient], anon_client: TestClient, session: Session
    ) -> None:
        admin = client_as(Role.admin, "OCHA")
        body = {"name": "HCR Gao sync", "organisation": "HCR", "role": "partner"}
        created = admin.post("/api/v1/api-keys", json=body)
        assert created.status_code == 201
        secret = created.json()["secret"]
        assert secret.startswith(created.json()["prefix"] + "_")
        me = anon_client.get("/api/v1/me", headers=builders.bearer(secret)).json()
        assert (me["kind"], me["organisation"], me["role"]) == ("api_key", "HCR", "partner")
        listed = admin.get("/api/v1/api-keys").text
        assert secret not in listed
        stored = session.get(ApiKey, created.json()["id"])
        assert stored is not None
        assert secret not in stored.secret_hash
        assert stored.last_used_at is not None

    def test_revoked_key_is_refused(
        self, client_as: Callable[..., TestClient], anon_client: TestClient, session: Session
    ) -> None:
        secret = builders.api_key(session, Role.partner, "UNICEF")
        key = session.exec(select(ApiKey).where(ApiKey.organisation.has(code="UNICEF"))).one()  # type: ignore[attr-defined]
        admin = client_as(Role.admin, "OCHA")
        assert admin.post(f"/api/v1/api-keys/{key.id}/revoke").json()["revoked_at"]
        assert anon_client.get("/api/v1/me", headers=builders.bearer(secret)).status_code == 401
        assert len(audit_actions(session, "api_key.revoke")) == 1

    def test_expired_key_is_refused(self, anon_client: TestClient, session: Session) -> None:
        secret = builders.api_key(session, Role.partner, "OIM", expires_in_days=1)
        key = session.exec(select(ApiKey).where(ApiKey.organisation.has(code="OIM"))).one()  # type: ignore[attr-defined]
        key.expires_at = utcnow() - timedelta(seconds=1)
        session.flush()
        assert anon_client.get("/api/v1/me", headers=builders.bearer(secret)).status_code == 401

    def test_a_body_cannot_set_fields_the_caller_does_not_own(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        admin = client_as(Role.admin, "OCHA")
        body = {"name": "k", "organisation": "HCR", "secret_hash": "x", "revoked_at": None}
        response = admin.post("/api/v1/api-keys", json=body)
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"secret_hash", "revoked_at"}

    def test_unknown_organisation_is_a_422_naming_the_field(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        admin = client_as(Role.admin, "OCHA")
        response = admin.post("/api/v1/api-keys", json={"name": "k", "organisation": "NOPE"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "organisation"

    def test_partner_cannot_manage_keys(self, client_as: Callable[..., TestClient]) -> None:
        partner = client_as(Role.partner, "HCR")
        response = partner.post("/api/v1/api-keys", json={"name": "k", "organisation": "HCR"})
        assert response.status_code == 403
        assert "api_keys:manage" in response.json()["detail"]


class TestApiKeyRetries:
    """The secret is kept only as a hash, so a retry cannot be given it: it learns which key its
    first attempt made (to use or revoke it), and no second key is made."""

    def test_a_retry_gets_a_409_naming_the_key_made_and_no_secret(
        self, client_as: Callable[..., TestClient], session: Session
    ) -> None:
        admin = client_as(Role.admin, "OCHA")
        body, headers = {"name": "Gao sync", "organisation": "HCR"}, {"Idempotency-Key": "k-1"}
        first = admin.post("/api/v1/api-keys", json=body, headers=headers)
        assert first.status_code == 201
        secret = first.json()["secret"]
        again = admin.post("/api/v1/api-keys", json=body, headers=headers)
        assert again.status_code == 409
        assert again.headers["Idempotent-Replayed"] == "true"
        problem = again.json()
        assert problem["type"] == "/problems/already-created"
        assert problem["created"]["id"] == first.json()["id"]
        assert problem["created"]["prefix"] == first.json()["prefix"]
        assert "revoke" in problem["detail"]
        assert secret not in again.text
        assert "secret" not in problem["created"]
        keys = session.exec(select(ApiKey).where(ApiKey.name == "Gao sync")).all()
        assert len(keys) == 1

    def test_the_secret_is_not_kept_with_the_key(
        self, client_as: Callable[..., TestClient], session: Session
    ) -> None:
        admin = client_as(Role.admin, "OCHA")
        body = {"name": "Gao sync", "organisation": "HCR"}
        created = admin.post("/api/v1/api-keys", json=body, headers={"Idempotency-Key": "k-2"})
        row = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == "k-2")).one()
        assert row.response_storage == Storage.withheld
        assert created.json()["secret"] not in str(row.response_body)


class TestUsers:
    def test_admin_creates_and_updates_a_user_audited_without_password(
        self, client_as: Callable[..., TestClient], session: Session
    ) -> None:
        admin = client_as(Role.admin, "OCHA")
        body = {"email": "new@hcr.example", "display_name": "New", "organisation": "HCR",
                "role": "partner", "password": "correct horse battery"}  # fmt: skip
        created = admin.post("/api/v1/users", json=body)
        assert created.status_code == 201
        assert "password" not in created.text
        user_id = created.json()["id"]
        patched = admin.patch(f"/api/v1/users/{user_id}", json={"role": "analyst"})
        assert patched.json()["role"] == "analyst"
        [create_event] = audit_actions(session, "user.create")
        assert create_event.changes["password_hash"] == {"old": None, "new": "***"}
        assert "correct horse" not in str(create_event.changes)
        [update_event] = audit_actions(session, "user.update")
        assert update_event.changes == {"role": {"old": "partner", "new": "analyst"}}

    def test_duplicate_email_is_a_409(
        self, client_as: Callable[..., TestClient], session: Session
    ) -> None:
        builders.user(session, "dup@ocha.example")
        admin = client_as(Role.admin, "OCHA")
        body = {"email": "DUP@ocha.example", "display_name": "D", "organisation": "OCHA",
                "role": "analyst", "password": "correct horse battery"}  # fmt: skip
        assert admin.post("/api/v1/users", json=body).status_code == 409

    def test_short_password_is_refused(self, client_as: Callable[..., TestClient]) -> None:
        admin = client_as(Role.admin, "OCHA")
        body = {"email": "x@ocha.example", "display_name": "X", "organisation": "OCHA",
                "role": "analyst", "password": "short"}  # fmt: skip
        response = admin.post("/api/v1/users", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "password"
        assert "short" not in response.json()["detail"]


def test_an_id_beyond_the_id_column_is_invalid_not_a_server_error(
    client_as: Callable[..., TestClient],
) -> None:
    # Found by schema fuzzing: the driver overflowed on such ids (500).
    admin = client_as(Role.admin, "OCHA")
    assert admin.get(f"/api/v1/users/{MAX_ID}").status_code == 404
    for too_large in (MAX_ID + 1, 10**20):
        for response, field in (
            (admin.get(f"/api/v1/users/{too_large}"), "user_id"),
            (admin.get(f"/api/v1/api-keys/{too_large}"), "key_id"),
            (admin.post(f"/api/v1/api-keys/{too_large}/revoke"), "key_id"),
        ):
            assert response.status_code == 422, response.url
            assert response.json()["errors"][0]["field"] == field


class TestSwaggerAuthorize:
    def test_the_openapi_document_offers_both_schemes(self, anon_client: TestClient) -> None:
        schemes = anon_client.get("/openapi.json").json()["components"]["securitySchemes"]
        assert schemes["UserLogin"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
        assert (schemes["ApiKey"]["type"], schemes["ApiKey"]["scheme"]) == ("http", "bearer")

    def test_the_token_request_swagger_ui_sends_works(
        self, anon_client: TestClient, session: Session
    ) -> None:
        builders.user(session, "swagger@ocha.example")
        form = {"grant_type": "password", "username": "swagger@ocha.example",
                "password": PASSWORD, "scope": "", "client_id": ""}  # fmt: skip
        response = anon_client.post("/api/v1/auth/token", data=form)
        assert response.status_code == 200
        token = response.json()["access_token"]
        activities = anon_client.get("/api/v1/activities", headers=builders.bearer(token))
        assert activities.status_code == 200
