"""The client's address is the forwarded one only from a trusted proxy (EHP_TRUSTED_PROXIES):
per-address limits count each real client, and a spoofed X-Forwarded-For escapes nothing."""

import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session, select

from ehp_api.audit.models import AuditEvent
from ehp_api.core.config import Settings
from ehp_api.core.db import get_session
from ehp_api.main import create_app

PROXY = "10.0.0.1"
LOGIN = "/api/v1/auth/token"
FOLLOW_UP = "/api/v1/complaints/follow-up/AAAA-BBBB-CCCC-DDDD"


@pytest.fixture
def app_trusting(settings: Settings, session: Session) -> Callable[..., FastAPI]:
    """`app_trusting("10.0.0.0/24")`: an app trusting those proxies, allowing 2 logins and
    2 follow-up lookups per client address (and many per account)."""

    def make(*proxies: str) -> FastAPI:
        limits = Settings(trusted_proxies=",".join(proxies), _env_file=None).trusted_proxies
        app = create_app(
            settings.model_copy(
                update={
                    "trusted_proxies": limits,
                    "login_rate_limit_per_ip": "2/minute",
                    "login_rate_limit": "100/minute",
                    "follow_up_rate_limit": "2/minute",
                }
            )
        )

        def _test_session() -> Iterator[Session]:
            yield session
            session.commit()

        app.dependency_overrides[get_session] = _test_session
        return app

    return make


def from_address(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000), raise_server_exceptions=False)


def login(client: TestClient, forwarded_for: str | None = None, email: str = "x@y.org") -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    data = {"username": email, "password": "wrong"}
    return client.post(LOGIN, data=data, headers=headers).status_code


def look_up(client: TestClient, forwarded_for: str) -> int:
    return client.get(FOLLOW_UP, headers={"X-Forwarded-For": forwarded_for}).status_code


class TestFromATrustedProxy:
    def test_two_forwarded_clients_each_get_their_own_login_allowance(
        self, app_trusting: Callable[..., FastAPI]
    ) -> None:
        proxy = from_address(app_trusting(PROXY), PROXY)
        assert [login(proxy, "203.0.113.1") for _ in range(3)] == [401, 401, 429]
        assert [login(proxy, "203.0.113.2") for _ in range(3)] == [401, 401, 429]

    def test_two_forwarded_clients_each_get_their_own_follow_up_allowance(
        self, app_trusting: Callable[..., FastAPI]
    ) -> None:
        proxy = from_address(app_trusting(PROXY), PROXY)
        assert [look_up(proxy, "203.0.113.1") for _ in range(3)] == [404, 404, 429]
        assert look_up(proxy, "203.0.113.2") == 404

    def test_the_address_is_walked_from_the_right_past_trusted_proxies(
        self, app_trusting: Callable[..., FastAPI], session: Session
    ) -> None:
        # The client wrote its own first entry; the two proxies appended what they saw.
        proxy = from_address(app_trusting("10.0.0.0/24"), "10.0.0.2")
        assert login(proxy, "6.6.6.6, 203.0.113.9, 10.0.0.1", email="walk@y.org") == 401
        event = session.exec(
            select(AuditEvent).where(AuditEvent.principal_name == "walk@y.org")
        ).one()
        assert event.changes["client_ip"]["new"] == "203.0.113.9"

    def test_a_spoofed_first_entry_does_not_escape_the_limit(
        self, app_trusting: Callable[..., FastAPI]
    ) -> None:
        proxy = from_address(app_trusting(PROXY), PROXY)
        spoofed = [login(proxy, f"192.0.2.{n}, 203.0.113.1") for n in range(3)]
        assert spoofed == [401, 401, 429]

    def test_without_the_header_the_proxy_is_the_client(
        self, app_trusting: Callable[..., FastAPI]
    ) -> None:
        proxy = from_address(app_trusting(PROXY), PROXY)
        assert [login(proxy) for _ in range(3)] == [401, 401, 429]


class TestFromAnUntrustedHop:
    def test_a_spoofed_forwarded_address_cannot_escape_the_login_limit(
        self, app_trusting: Callable[..., FastAPI]
    ) -> None:
        client = from_address(app_trusting(PROXY), "198.51.100.7")
        assert [login(client, f"203.0.113.{n}") for n in range(3)] == [401, 401, 429]

    def test_nor_the_follow_up_limit(self, app_trusting: Callable[..., FastAPI]) -> None:
        client = from_address(app_trusting(PROXY), "198.51.100.7")
        assert [look_up(client, f"203.0.113.{n}") for n in range(3)] == [404, 404, 429]

    def test_by_default_no_hop_is_trusted_not_even_the_local_one(
        self, app_trusting: Callable[..., FastAPI], session: Session
    ) -> None:
        app = app_trusting()
        for address in ("127.0.0.1", PROXY):
            client = from_address(app, address)
            assert [login(client, f"203.0.113.{n}") for n in range(3)] == [401, 401, 429]
        event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
        assert event is not None
        assert event.changes["client_ip"]["new"] == PROXY


def test_a_server_that_took_the_forwarded_address_itself_is_reported_once(
    app_trusting: Callable[..., FastAPI], caplog: pytest.LogCaptureFixture
) -> None:
    # uvicorn run directly (its proxy headers on) sets the address it believed with port 0.
    app = app_trusting()
    client = TestClient(app, client=("203.0.113.5", 0), raise_server_exceptions=False)
    logger = logging.getLogger("ehp_api.proxy")  # the app's loggers do not propagate
    logger.addHandler(caplog.handler)
    try:
        for _ in range(2):
            client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.5"})
        client.get("/healthz")
    finally:
        logger.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.name == "ehp_api.proxy"] == [
        "the server took the client address from X-Forwarded-For itself; run it without its "
        "proxy headers handling (uvicorn --no-proxy-headers) so that EHP_TRUSTED_PROXIES decides"
    ]


class TestSetting:
    def test_addresses_and_networks_comma_separated(self) -> None:
        settings = Settings(trusted_proxies=" 10.0.0.1, 172.16.0.0/12,::1 ", _env_file=None)
        assert settings.trusted_proxies == ["10.0.0.1", "172.16.0.0/12", "::1"]

    def test_a_network_written_with_host_bits_is_its_network(self) -> None:
        assert Settings(trusted_proxies="10.1.2.3/8", _env_file=None).trusted_proxies == [
            "10.0.0.0/8"
        ]

    def test_empty_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("EHP_TRUSTED_PROXIES", raising=False)
        assert Settings(_env_file=None).trusted_proxies == []

    @pytest.mark.parametrize("value", ["nginx", "10.0.0.300", "*"])
    def test_anything_else_is_refused_naming_it(self, value: str) -> None:
        with pytest.raises(ValidationError, match="is not an IP address or a CIDR network"):
            Settings(trusted_proxies=value, _env_file=None)
