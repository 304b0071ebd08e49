"""Where webhooks may go: only public addresses over https, unless the settings allow more. A URL
naming (or resolving to) the deployment's own networks is refused when subscribed (422 naming
`url` and why) and at each delivery (resolved again: DNS rebinding), where the refusal is logged
and not retried; the worker connects to the very address it checked."""

import ipaddress

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ehp_api.core.config import Settings
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.notifications import destinations, worker
from ehp_api.notifications.destinations import Address, kind_of
from ehp_api.notifications.models import Delivery, DeliveryStatus
from tests import builders
from tests.notifications.conftest import Live, Receiver, eventually
from tests.notifications.test_webhooks import record, refer

WEBHOOKS = "/api/v1/webhooks"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.20", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104  (the address refused, not one bound)
        ("::", "unspecified"),
        ("100.64.0.1", "non-public"),  # shared address space (carrier-grade NAT)
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("2002:7f00:1::", "loopback"),  # 6to4 carrying 127.0.0.1
        ("64:ff9b::a00:1", "reserved"),  # NAT64 of 10.0.0.1
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_only_public_addresses_are_destinations(address: str, kind: str | None) -> None:
    assert kind_of(ipaddress.ip_address(address)) == kind


def _refused(response: httpx.Response, code: str, *words: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["location"], error["field"], error["code"]) == ("body", "url", code)
    assert all(word in error["reason"] for word in words), error["reason"]


def _subscribe(client: TestClient, url: str) -> httpx.Response:
    return client.post(WEBHOOKS, json={"url": url, "event_types": ["complaint.referred"]})


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("https://127.0.0.1:8000/hook", "127.0.0.1", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
        ("https://[::1]/hook", "::1", "loopback"),
        ("https://10.0.0.5/hook", "10.0.0.5", "private"),
        ("https://localhost/hook", "127.0.0.1", "loopback"),
    ],
)
def test_a_url_of_the_deployment_s_own_networks_is_refused_when_subscribed(
    hcr: TestClient, url: str, address: str, kind: str
) -> None:
    _refused(_subscribe(hcr, url), "forbidden_address", address, kind)
    assert hcr.get(WEBHOOKS).json()["items"] == []


def test_a_name_resolving_to_a_private_address_is_refused_and_a_public_one_is_not(
    hcr: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = {
        "intranet.hcr.example": ["203.0.113.9", "10.20.30.40"],
        "hooks.hcr.example": ["8.8.8.8"],
    }
    monkeypatch.setattr(destinations, "resolve", lambda host, _port: _addresses(names[host]))
    # One private address among public ones is enough: the worker might connect to it.
    _refused(_subscribe(hcr, "https://intranet.hcr.example/ehp"), "forbidden_address")
    made = _subscribe(hcr, "https://hooks.hcr.example/ehp")
    assert made.status_code == 201, made.text
    moved = hcr.patch(
        f"{WEBHOOKS}/{made.json()['id']}", json={"url": "https://intranet.hcr.example/"}
    )
    _refused(moved, "forbidden_address", "intranet.hcr.example", "private")
    assert (
        hcr.get(f"{WEBHOOKS}/{made.json()['id']}").json()["url"] == "https://hooks.hcr.example/ehp"
    )


def test_plain_http_is_refused_unless_allowed(hcr: TestClient) -> None:
    _refused(_subscribe(hcr, "http://sync.hcr.example/ehp"), "https_required", "https")
    # A name that does not resolve (yet) is let through: each delivery judges it again.
    assert _subscribe(hcr, "https://sync.hcr.example/ehp").status_code == 201


def test_the_refusal_is_in_the_caller_s_language(hcr: TestClient) -> None:
    answer = hcr.post(
        WEBHOOKS,
        json={"url": "https://127.0.0.1/hook", "event_types": ["complaint.referred"]},
        headers={"Accept-Language": "fr"},
    )
    [error] = answer.json()["errors"]
    assert "127.0.0.1" in error["reason"]
    assert "adresses publiques" in error["reason"]


def test_the_settings_allow_an_on_premise_receiver(
    settings: Settings, app: FastAPI, session: Session
) -> None:
    allowing = settings.model_copy(
        update={"webhook_allow_private_networks": True, "webhook_allow_http": True}
    )
    on_premise = create_app(allowing)
    on_premise.dependency_overrides.update(app.dependency_overrides)  # the test's transaction
    headers = builders.bearer(builders.api_key(session, Role.partner, "HCR"))
    with TestClient(on_premise, headers=headers) as client:
        for url in ("http://127.0.0.1:8000/hook", "http://10.0.0.5/ehp"):
            assert _subscribe(client, url).status_code == 201


def _addresses(values: list[str]) -> list[Address]:
    return [ipaddress.ip_address(value) for value in values]


# At delivery: the live service's worker is stopped and one turn is run by hand, with settings
# that refuse private networks (the live service allows them, for its receivers on 127.0.0.1).


@pytest.fixture
def strict(live: Live) -> Settings:
    live.stop_worker()
    return live.settings.model_copy(
        update={"webhook_allow_private_networks": False, "webhook_allow_http": True}
    )


def _one_turn(live: Live, settings: Settings) -> None:
    with httpx.Client(timeout=settings.webhook_timeout_seconds) as client:
        worker.run_once(live.engine, settings, client)


def _deliveries(live: Live, subscription_id: int) -> list[Delivery]:
    with Session(live.engine) as session:
        return list(
            session.exec(select(Delivery).where(Delivery.subscription_id == subscription_id))
        )


def _referred(live: Live) -> None:
    hcr = live.key(Role.partner, "HCR")
    refer(live, hcr, record(live, hcr), "UNICEF")


def test_a_delivery_to_a_private_address_is_refused_logged_and_not_retried(
    live: Live, strict: Settings
) -> None:
    """A subscription made while private networks were allowed, delivered once they are not:
    the worker does not connect, logs why, and gives the delivery up at once."""
    unicef = live.key(Role.partner, "UNICEF")
    receiver = live.receiver()
    subscription = live.subscribe(unicef, receiver, "complaint.referred")
    _referred(live)

    _one_turn(live, strict)

    [delivery] = _deliveries(live, subscription["id"])
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.failed, 1)
    assert delivery.last_status_code is None
    assert "127.0.0.1" in (delivery.last_error or "")
    assert "loopback" in (delivery.last_error or "")
    assert receiver.received == []
    log = live.client.get(f"{WEBHOOKS}/{subscription['id']}/deliveries", headers=unicef)
    [row] = log.json()["items"]
    assert (row["status"], row["next_attempt_at"]) == ("failed", None)
    assert "not retried" in row["last_error"]
    _one_turn(live, strict)
    assert receiver.received == []


def test_a_name_that_resolves_elsewhere_at_delivery_is_judged_again(
    live: Live, strict: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: public when subscribed, the loopback when the worker sends."""
    receiver = live.receiver()
    port = receiver.server.server_address[1]
    answers = {"hooks.unicef.example": _addresses(["8.8.8.8"])}
    monkeypatch.setattr(destinations, "resolve", lambda host, _port: answers[host])
    with TestClient(create_app(strict), raise_server_exceptions=False) as client:
        made = client.post(
            WEBHOOKS,
            json={
                "url": f"http://hooks.unicef.example:{port}/hook",
                "event_types": ["complaint.referred"],
            },
            headers=live.key(Role.partner, "UNICEF"),
        )
    assert made.status_code == 201, made.text
    answers["hooks.unicef.example"] = _addresses(["127.0.0.1"])  # the name now points inside
    _referred(live)

    _one_turn(live, strict)

    [delivery] = _deliveries(live, made.json()["id"])
    assert delivery.status == DeliveryStatus.failed
    reason = "hooks.unicef.example resolves to 127.0.0.1, a loopback address"
    assert reason in (delivery.last_error or "")
    assert receiver.received == []


def test_the_worker_connects_to_the_address_it_checked(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once, by the guard; the request goes to that address with the
    name as its Host (a name no real resolver knows, so nothing else could have reached it)."""
    receiver: Receiver = live.receiver()
    port = receiver.server.server_address[1]
    monkeypatch.setattr(
        destinations, "resolve", lambda host, _port: _addresses(["::1", "127.0.0.1"])
    )
    unicef = live.key(Role.partner, "UNICEF")
    made = live.client.post(
        WEBHOOKS,
        json={"url": f"http://receiver.test:{port}/hook", "event_types": ["complaint.referred"]},
        headers=unicef,
    )
    assert made.status_code == 201, made.text
    _referred(live)

    [delivery] = eventually(lambda: receiver.received)
    assert delivery.headers["host"] == f"receiver.test:{port}"
    # ::1 came first and nobody listens there: the next checked address took it.
    [row] = live.client.get(f"{WEBHOOKS}/{made.json()['id']}/deliveries", headers=unicef).json()[
        "items"
    ]
    assert row["attempts"] == 1
