"""`If-Match` on every write of one record that had none: the change applies with the record's
current `ETag` (answering the new one), is refused with 412 with a stale one, and applies
without the header as before. A PUT that creates when the record is missing refuses If-Match."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from ehp_api.web.middleware import GZIP_TAG_SUFFIX
from ehp_api.web.validators import etag_of
from tests.complaints.kobo_data import FORMS, MAPPING, XFORM_ID
from tests.register.conftest import decision, meeting, note, point, request

Body = dict[str, Any]
Clients = Callable[..., TestClient]
# A body, or how to make it from what the record holds (read with the writing client).
Sent = Body | Callable[[TestClient], Body]


@dataclass
class Case:
    """`make(client)` gives the record's URL for writes; `read` its GET (None: read in a list,
    the tag then comes from a first write without If-Match)."""

    role: Role
    method: str
    make: Callable[[TestClient], str]
    first: Sent
    second: Sent
    read: bool = True


def _user(admin: TestClient) -> str:
    body = {"email": "tag@hcr.example", "display_name": "T", "organisation": "HCR",
            "role": "partner", "password": "correct horse battery"}  # fmt: skip
    return f"/api/v1/users/{admin.post('/api/v1/users', json=body).json()['id']}"


def _deadlines(ocha: TestClient) -> Body:
    rows = ocha.get("/api/v1/complaint-deadlines").json()["deadlines"]
    return {"deadlines": [{k: r[k] for k in ("category", "sensitive", "refer_within_hours")}
                          for r in rows]}  # fmt: skip


def _hours(ocha: TestClient, hours: int) -> Body:
    table = _deadlines(ocha)
    table["deadlines"][0]["refer_within_hours"] = hours
    return table


def _webhook(ocha: TestClient) -> str:
    body = {"url": "https://sync.ocha.example/events", "event_types": ["alert.escalated"]}
    return f"/api/v1/webhooks/{ocha.post('/api/v1/webhooks', json=body).json()['id']}"


def _kobo_form(ocha: TestClient) -> str:
    assert ocha.put(f"{FORMS}/{XFORM_ID}", json=MAPPING).status_code == 201
    return f"{FORMS}/{XFORM_ID}"


def _point(ocha: TestClient) -> str:
    [made] = decision(ocha, point("HCR", "2031-01-10"))["action_points"]
    return f"/api/v1/register/action-points/{made['id']}"


CASES = {
    "users": Case(Role.admin, "PATCH", _user, {"display_name": "A"}, {"display_name": "B"}),
    "organisations": Case(
        Role.admin, "PATCH", lambda _: "/api/v1/organisations/HCR",
        {"description": "Gao office open"}, {"description": "Gao office closed"},
    ),
    "activity_status": Case(
        Role.partner, "PUT", lambda _: "/api/v1/activities/1.1.2/status/2021Q2",
        {"status": "delayed"}, {"status": "on_track"}, read=False,
    ),
    "targets": Case(
        Role.secretariat, "PUT", lambda _: "/api/v1/indicators/1.1.1.1/targets",
        {"baselines": [], "targets": [{"year": 2021, "value": 12}]},
        {"baselines": [], "targets": [{"year": 2021, "value": 14}]},
    ),
    "trigger_rules": Case(
        Role.secretariat, "PATCH", lambda _: "/api/v1/trigger-rules/severity",
        {"min_severity": 3}, {"min_severity": 4}, read=False,
    ),
    "kobo_forms": Case(
        Role.secretariat, "PUT", _kobo_form,
        {**MAPPING, "name": "Mopti 2"}, {**MAPPING, "name": "Mopti 3"},
    ),
    "meetings": Case(
        Role.secretariat, "PATCH",
        lambda c: f"/api/v1/register/meetings/{meeting(c, '2021-05-10')['id']}",
        {"kind": "ad_hoc"}, {"kind": "ordinary"},
    ),
    "notes": Case(
        Role.secretariat, "PATCH",
        lambda c: f"/api/v1/register/notes/{note(c, '2021-05-10', False)['id']}",
        {"deliberated": True}, {"deliberated": False},
    ),
    "information_requests": Case(
        Role.secretariat, "PATCH",
        lambda c: f"/api/v1/register/information-requests/{request(c, '2021-05-10')['id']}",
        {"subject": "Trends in Mopti"}, {"subject": "Trends in Gao"},
    ),
    "action_points": Case(
        Role.secretariat, "PATCH", _point, {"status": "done"}, {"status": "open"},
    ),
    "webhooks": Case(
        Role.secretariat, "PATCH", _webhook, {"description": "Sync"}, {"description": "Mirror"},
    ),
    "complaint_deadlines": Case(
        Role.secretariat, "PUT", lambda _: "/api/v1/complaint-deadlines",
        lambda c: _hours(c, 30), lambda c: _hours(c, 31),
    ),
}  # fmt: skip


def _write(client: TestClient, case: Case, url: str, body: Sent, tag: str | None = None):  # type: ignore[no-untyped-def]
    headers = {} if tag is None else {"If-Match": tag}
    sent = body(client) if callable(body) else body
    return client.request(case.method, url, json=sent, headers=headers)


def _stale(response: httpx.Response) -> None:
    assert response.status_code == 412, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["If-Match"]


def _tagged(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text
    # Answers over the gzip layer's minimum are tagged for their gzipped bytes (`middleware`).
    plain = response.headers["ETag"].replace(GZIP_TAG_SUFFIX + '"', '"')
    assert plain == etag_of(response.content)
    return response.headers["ETag"]


@pytest.mark.parametrize("name", list(CASES))
def test_if_match_applies_a_current_tag_refuses_a_stale_one_and_is_optional(
    client_as: Clients, name: str
) -> None:
    case = CASES[name]
    client = client_as(case.role, "HCR" if case.role == Role.partner else "OCHA")
    url = case.make(client)
    if case.read:
        read = client.get(url)
        seen = _tagged(read)
    else:  # read in a list: a first write without If-Match answers the tag
        seen = _tagged(_write(client, case, url, case.second), 201 if case.method == "PUT" else 200)
    changed = _write(client, case, url, case.first, seen)
    now = _tagged(changed)
    assert now != seen
    if case.read:
        assert client.get(url).headers["ETag"] == now  # the GET's tag is the write's
    _stale(_write(client, case, url, case.second, seen))
    if case.read:
        assert client.get(url).content == changed.content  # the refused change left no trace
    assert _tagged(_write(client, case, url, case.second)) != now  # without If-Match: as before


def test_if_match_on_a_missing_record_is_refused_where_a_put_would_create_it(
    client_as: Clients,
) -> None:
    """RFC 9110: If-Match (even `*`) is false when there is no current representation."""
    ocha, hcr = client_as(Role.secretariat, "OCHA"), client_as(Role.partner, "HCR")
    form = f"{FORMS}/{XFORM_ID}"
    _stale(ocha.put(form, json=MAPPING, headers={"If-Match": "*"}))
    assert ocha.get(form).status_code == 404
    status = "/api/v1/activities/1.1.2/status/2021Q2"
    _stale(hcr.put(status, json={"status": "delayed"}, headers={"If-Match": '"abc"'}))
    assert hcr.get("/api/v1/activities/1.1.2/status").json() == []
    assert _tagged(ocha.put(form, json=MAPPING), 201)
    assert _tagged(ocha.put(form, json=MAPPING, headers={"If-Match": "*"}))
