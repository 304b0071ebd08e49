"""Every list takes `updated_since` and answers `X-Server-Time`: users and API keys by their own
`updated_at` (deactivation and revocation move it, a login does not), the reference lists whole
when the reference data changed since, else empty (docs/api.md, Sync)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from ehp_api.core.permissions import Role
from tests import builders
from tests.helpers import all_items

REFERENCE_LISTS = [
    "/api/v1/axes",
    "/api/v1/objectives",
    "/api/v1/activities",
    "/api/v1/indicators",
    "/api/v1/disaggregations",
    "/api/v1/organisations",
    "/api/v1/locations",
    "/api/v1/focus-areas",
    "/api/v1/periods",
]


def since(client: TestClient, url: str, **query: Any) -> tuple[str, list[dict[str, Any]]]:
    """The list asked `updated_since` (every page): its first `X-Server-Time` and its items."""
    first = client.get(url, params=query)
    assert first.status_code == 200, first.text
    return first.headers["X-Server-Time"], all_items(client, url, **query)


def ids(items: list[dict[str, Any]]) -> set[int]:
    return {item["id"] for item in items}


def test_a_deactivated_user_and_a_revoked_key_come_back_in_the_next_pass(
    app: FastAPI, session: Session, client_as: Callable[..., TestClient]
) -> None:
    admin = client_as(Role.admin, "OCHA")
    leaving = builders.user(session, "leaving@ocha.example")
    staying = builders.user(session, "staying@ocha.example")
    made = admin.post(
        "/api/v1/api-keys", json={"name": "to revoke", "organisation": "HCR", "role": "partner"}
    )
    assert made.status_code == 201, made.text
    key = made.json()["id"]
    mark = admin.get("/api/v1/users", params={"order": "changed"}).headers["X-Server-Time"]

    # A login is bookkeeping: it does not move `updated_at`.
    with TestClient(app) as anon:
        login = {"username": "staying@ocha.example", "password": "a long enough password"}
        assert anon.post("/api/v1/auth/token", data=login).status_code == 200
    off = admin.patch(f"/api/v1/users/{leaving.id}", json={"is_active": False})
    assert off.status_code == 200, off.text
    assert admin.post(f"/api/v1/api-keys/{key}/revoke").status_code == 200

    _, users = since(admin, "/api/v1/users", updated_since=mark, order="changed")
    assert ids(users) == {leaving.id}
    assert users[0]["is_active"] is False
    assert users[0]["updated_at"] >= mark
    assert staying.id not in ids(users)
    _, changed_keys = since(admin, "/api/v1/api-keys", updated_since=mark, order="changed")
    assert ids(changed_keys) == {key}
    assert changed_keys[0]["revoked_at"] is not None


def test_users_and_keys_by_change_and_their_clock(client_as: Callable[..., TestClient]) -> None:
    admin = client_as(Role.admin, "OCHA")
    for url in ("/api/v1/users", "/api/v1/api-keys"):
        plain = admin.get(url)
        assert "X-Server-Time" not in plain.headers
        by_change = all_items(admin, url, order="changed", limit=2)
        stamps = [(item["updated_at"], item["id"]) for item in by_change]
        assert stamps == sorted(stamps)
        assert ids(by_change) == ids(all_items(admin, url))
        _, after = since(admin, url, updated_since="2099-01-01T00:00:00Z")
        assert after == []


def test_a_partner_replaces_a_reference_list_only_when_the_reference_data_changed(
    hcr: TestClient, client_as: Callable[..., TestClient]
) -> None:
    whole = {url: hcr.get(url, params={"limit": 200}) for url in REFERENCE_LISTS}
    marks = {}
    for url in REFERENCE_LISTS:
        first = hcr.get(url, params={"limit": 200, "updated_since": "2000-01-01T00:00:00Z"})
        assert first.status_code == 200, first.text
        # Changed since 2000: the whole list, the same answer and ETag as without the filter.
        assert first.content == whole[url].content
        assert first.headers["ETag"] == whole[url].headers["ETag"]
        marks[url] = first.headers["X-Server-Time"]
    for url in REFERENCE_LISTS:
        quiet = hcr.get(url, params={"limit": 200, "updated_since": marks[url]})
        assert quiet.status_code == 200, quiet.text
        assert quiet.json() == {"items": [], "limit": 200, "next_cursor": None}, url
        assert quiet.headers["X-Server-Time"] >= marks[url]

    admin = client_as(Role.admin, "OCHA")
    renamed = admin.patch("/api/v1/organisations/HCR", json={"name_en": "UNHCR, renamed"})
    assert renamed.status_code == 200, renamed.text
    for url in REFERENCE_LISTS:
        again = hcr.get(url, params={"limit": 200, "updated_since": marks[url]})
        assert again.status_code == 200, again.text
        assert again.json()["items"], url
        assert again.content == hcr.get(url, params={"limit": 200}).content
    mark = marks["/api/v1/organisations"]
    changed = all_items(hcr, "/api/v1/organisations", updated_since=mark)
    assert "UNHCR, renamed" in {o["name_en"] for o in changed}


@pytest.mark.parametrize("url", ["/api/v1/axes", "/api/v1/users"])
def test_a_malformed_updated_since_is_a_422_naming_it(
    url: str, client_as: Callable[..., TestClient]
) -> None:
    answer = client_as(Role.admin, "OCHA").get(url, params={"updated_since": "yesterday"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "updated_since" in answer.text
