"""The inference rule from outside: an SEA allegation posted over HTTP to a running server changes
no figure that a role other than the PSEA focal point can read (dashboard, indicator values, the
work plan export, complaint lists, audit events), while the PSEA focal point's figures do change."""

import base64
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from tests.complaints.kobo_data import MAPPING, XFORM_ID, submission
from tests.e2e import harness

API = "/api/v1"
OTHERS = {"analyst": "OCHA", "partner": "HCR", "secretariat": "OCHA", "admin": "OCHA"}
SEA_NOTE = "Excludes SEA allegations; ask the PSEA focal point."
CONFIDENTIAL_NOTE = (
    "Excludes the other confidential complaints: the dashboard counts them apart "
    "(`confidential`), suppressed when small."
)
THRESHOLD = 5


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Server]:
    """A server of its own whose dashboards are never served from a stale copy: a kept copy
    would hide a change, and the test would pass for the wrong reason."""
    tmp: Path = tmp_path_factory.mktemp("sea")
    with (
        harness.fresh_database(tmp) as url,
        harness.served(
            tmp, url, EHP_DASHBOARD_MAX_AGE_SECONDS="0", EHP_SMALL_CELL_THRESHOLD=str(THRESHOLD)
        ) as server,
    ):
        yield server


def client(server: harness.Server, role: str, organisation: str) -> httpx.Client:
    key = harness.cli_key(server, organisation, role)
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.Client(base_url=server.base_url + API, headers=headers, timeout=60)


def post_complaint(http: httpx.Client, received_on: str = "2021-05-03", **fields: Any) -> int:
    """Record a complaint and refer it the next day."""
    body = {
        "channel": "hotline",
        "category": "assistance_complaint",
        "received_on": received_on,
        "location": "ML0506",
        "description": "Left off the distribution list.",
        "organisation_concerned": "HCR",
        **fields,
    }
    created = http.post("/complaints", json=body)
    assert created.status_code == 201, created.text
    complaint_id = int(created.json()["id"])
    on = (date.fromisoformat(received_on) + timedelta(days=1)).isoformat()
    due_on = f"{on[:4]}-12-31"
    referral = {"to": "referred", "organisation": "UNICEF", "on": on, "due_on": due_on}
    referred = http.post(f"/complaints/{complaint_id}/transitions", json=referral)
    assert referred.status_code == 200, referred.text
    return complaint_id


def workbook_cells(http: httpx.Client) -> Any:
    response = http.get("/exports/workplan.xlsx", params={"lang": "en"})
    if response.status_code != 200:
        return response.status_code
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [[s.title, *r] for s in book for r in s.iter_rows(values_only=True)]
    # Its row `generated` (the English file's name for it) says when it was made, not what it says.
    return [row for row in rows if row[1] != "generated"]


def answer(response: httpx.Response) -> Any:
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code, response.json()
    return response.status_code


def without_time(dashboard: Any) -> Any:
    status, body = dashboard
    if status == 200:
        body.pop("generated_at")
    return status, body


def everything(http: httpx.Client) -> dict[str, Any]:
    """Every figure and list about complaints this caller can read."""
    seen: dict[str, Any] = {}
    for period in ("2021Q2", "2021"):
        seen[f"dashboard {period}"] = without_time(answer(http.get("/dashboard", params={
            "period": period
        })))  # fmt: skip
    for code in ("3.2.1.5", "3.2.2.2"):
        for group_by in ("period", "zone"):
            params = {"from": "2021Q1", "to": "2021Q4", "group_by": group_by}
            seen[f"{code} by {group_by}"] = answer(
                http.get(f"/indicators/{code}/values", params=params)
            )
        seen[f"{code} by year"] = answer(http.get(f"/indicators/{code}/values", params={
            "from": "2020", "to": "2022"
        }))  # fmt: skip
    seen["workplan.xlsx"] = workbook_cells(http)
    seen["complaints"] = answer(http.get("/complaints", params={"limit": 100}))
    seen["audit"] = answer(http.get("/audit-events", params={"entity_type": "complaint"}))
    return seen


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def test_an_sea_allegation_changes_no_figure_outside_the_psea_network(
    running: harness.Server,
) -> None:
    partner = client(running, "partner", "HCR")
    psea = client(running, "psea_focal_point", "UNFPA")
    for received in ("2021-04-10", "2021-05-03", "2021-06-01"):
        post_complaint(partner, received_on=received)
    readers = {role: client(running, role, org) for role, org in OTHERS.items()}
    before = {role: everything(http) for role, http in readers.items()}
    psea_before = everything(psea)

    medical = {"service": "medical", "provider": "CSRéf Mopti", "referred_on": "2021-05-06"}
    post_complaint(psea, category="sea_allegation", victim_assistance=[medical])

    after = {role: everything(http) for role, http in readers.items()}
    assert {role: changed(before[role], after[role]) for role in readers} == {
        role: [] for role in readers
    }
    # The attack can see a change: the same reads by the PSEA focal point do change.
    psea_changed = changed(psea_before, everything(psea))
    assert {"dashboard 2021Q2", "3.2.1.5 by period", "3.2.2.2 by period"} <= set(psea_changed)


def test_figures_outside_the_psea_network_say_what_they_leave_out(
    running: harness.Server,
) -> None:
    analyst = client(running, "analyst", "OCHA")
    dashboard = analyst.get("/dashboard", params={"period": "2021Q2"}).json()
    assert dashboard["complaints"]["excludes_sea"] is True
    assert dashboard["complaints"]["notes"] == [SEA_NOTE, CONFIDENTIAL_NOTE]
    indicators = {
        i["code"]: i
        for axis in dashboard["axes"]
        for objective in axis["objectives"]
        for activity in objective["activities"]
        for i in activity["indicators"]
    }
    assert indicators["3.2.1.5"]["flags"] == ["excludes_sea", "excludes_confidential"]
    withheld = indicators["3.2.2.2"]
    assert (withheld["value"], withheld["cumulative_value"], withheld["parts"]) == (None, None, {})
    assert withheld["flags"] == ["psea_only"]
    assert "PSEA focal point" in withheld["notes"][0]
    values = analyst.get("/indicators/3.2.2.2/values", params={"from": "2021Q2", "to": "2021Q2"})
    [point] = values.json()["values"]
    assert (point["value"], point["numerator"], point["denominator"]) == (None, None, None)
    assert point["flags"] == ["psea_only"]


def test_the_psea_focal_point_reads_the_sea_figures_whole(running: harness.Server) -> None:
    psea = client(running, "psea_focal_point", "UNFPA")
    post_complaint(psea, category="sea_allegation", received_on="2021-08-02")
    values = psea.get("/indicators/3.2.2.2/values", params={"from": "2021Q3", "to": "2021Q3"})
    [point] = values.json()["values"]
    assert (point["denominator"], point["flags"]) == (1, [])
    dashboard = psea.get("/dashboard", params={"period": "2021Q3"}).json()
    assert (dashboard["complaints"]["received"], dashboard["complaints"]["excludes_sea"]) == (
        1,
        False,
    )


def test_only_the_command_line_grants_the_psea_role_and_the_psea_network_sees_it(
    running: harness.Server,
) -> None:
    admin = client(running, "admin", "OCHA")
    body = {"name": "self-granted", "organisation": "OCHA", "role": "psea_focal_point"}
    assert admin.post("/api-keys", json=body).status_code == 403
    watcher = client(running, "psea_focal_point", "UNFPA")
    newcomer = client(running, "psea_focal_point", "OCHA")  # the operator, with the CLI
    me = newcomer.get("/me").json()
    grants = watcher.get("/audit-events/psea").json()["items"]
    granted = {(e["entity_type"], e["entity_id"]) for e in grants if e["action"] == "psea.grant"}
    assert ("api_key", str(me["id"])) in granted


def numbers_in(cursor: str | None) -> list[int]:
    """What an attacker reads in a cursor: any number its decoded form carries."""
    if cursor is None:
        return []
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return []
    found: list[int] = []
    stack = [decoded]
    while stack:
        value = stack.pop()
        if isinstance(value, int) and not isinstance(value, bool):
            found.append(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and value.isdigit():
            found.append(int(value))
    return found


def new_key(admin: httpx.Client) -> str:
    """One event every auditor sees: an API key made by the admin."""
    made = admin.post("/api-keys", json={"name": "gap probe", "organisation": "OCHA",
                                         "role": "analyst"})  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_audit_ids_and_cursors_count_no_hidden_event(running: harness.Server) -> None:
    """Two events the admin and the secretariat see, with an SEA allegation's events (hidden
    from both) between them: nothing in their answers, read as positions in a sequence (ids,
    cursors), tells that events lie between, or how many."""
    admin = client(running, "admin", "OCHA")
    readers = {"admin": admin, "secretariat": client(running, "secretariat", "OCHA")}
    psea = client(running, "psea_focal_point", "UNFPA")
    older_key = new_key(admin)
    post_complaint(psea, category="sea_allegation", received_on="2022-09-01")
    newer_key = new_key(admin)
    for role, reader in readers.items():
        first = reader.get("/audit-events", params={"limit": 2}).json()
        newer, older = first["items"]
        assert [(e["action"], e["entity_id"]) for e in (newer, older)] == [
            ("api_key.create", newer_key),
            ("api_key.create", older_key),
        ], role
        ids = [newer["id"], older["id"]]
        assert not any(str(i).isdigit() for i in ids), (role, ids)
        assert numbers_in(first["next_cursor"]) == [], role
        # The cursor still pages: one at a time gives the same events as one page.
        whole = reader.get("/audit-events", params={"limit": 500}).json()["items"]
        walked, query = [], {"limit": 1}
        while True:
            page = reader.get("/audit-events", params=query).json()
            walked += [e["id"] for e in page["items"]]
            assert numbers_in(page["next_cursor"]) == [], role
            if page["next_cursor"] is None:
                break
            query["cursor"] = page["next_cursor"]
        assert walked == [e["id"] for e in whole], role
        assert len(set(walked)) == len(walked), role
        by_entity = reader.get(
            "/audit-events", params={"entity_type": "api_key", "entity_id": older_key}
        ).json()["items"]
        assert [e["id"] for e in by_entity] == [older["id"]], role


@pytest.mark.parametrize("after", [1, 10**6, "0" * 32])
def test_an_audit_cursor_naming_a_position_is_refused(
    running: harness.Server, after: object
) -> None:
    """A cursor is not a place in the row sequence (1, 10**6: what the old cursors held, which
    let a reader probe positions), nor a key no event has."""
    secretariat = client(running, "secretariat", "OCHA")
    forged = base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()
    response = secretariat.get("/audit-events", params={"cursor": forged})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "cursor"


def complaints_figures(http: httpx.Client, period: str) -> dict[str, Any]:
    section = http.get("/dashboard", params={"period": period}).json()["complaints"]
    return {
        "received": section["received"],
        "referred": section["referred"],
        "by_channel": sum(c["count"] for c in section["by_channel"]),
        "by_category": sum(c["count"] for c in section["by_category"]),
        "confidential": section["confidential"]["count"],
        "excludes_confidential": section.get("excludes_confidential"),
    }


def cases_referred(http: httpx.Client, period: str) -> int:
    values = http.get("/indicators/3.2.1.5/values", params={"from": period, "to": period})
    [point] = values.json()["values"]
    return int(point["value"])


def test_no_complaint_figure_minus_another_gives_back_a_suppressed_count(
    running: harness.Server,
) -> None:
    """2022, a year no other test writes in: 3 open complaints and 5 confidential ones in Q1,
    2 open and 2 confidential in Q2 (fewer than the threshold of 5: suppressed), and an SEA
    allegation in Q2; each referred the day after. For every role but the PSEA focal point, each
    total equals its breakdowns and the complaints listed one by one, so no difference gives back
    the 2 of Q2, nor does the year minus its first quarter (the year's count is suppressed)."""
    partner = client(running, "partner", "HCR")
    psea = client(running, "psea_focal_point", "UNFPA")
    for day in ("2022-01-10", "2022-02-10", "2022-03-10", "2022-04-11", "2022-05-10"):
        post_complaint(partner, received_on=day)
    for day in ("2022-01-11", "2022-01-12", "2022-02-11", "2022-02-12", "2022-03-11"):
        post_complaint(psea, received_on=day, category="protection_concern", sensitive=True)
    for day in ("2022-04-12", "2022-05-11"):
        post_complaint(psea, received_on=day, category="exclusion", sensitive=True)
    post_complaint(psea, received_on="2022-05-12", category="sea_allegation")

    def figures(received: int, confidential: int | None) -> dict[str, Any]:
        return {
            "received": received, "referred": received, "by_channel": received,
            "by_category": received, "confidential": confidential, "excludes_confidential": True,
        }  # fmt: skip

    expected = {"2022Q1": figures(3, 5), "2022Q2": figures(2, None), "2022": figures(5, None)}
    for role, organisation in OTHERS.items():
        reader = client(running, role, organisation)
        seen = {period: complaints_figures(reader, period) for period in expected}
        assert seen == expected, role
        referred = {period: cases_referred(reader, period) for period in expected}
        assert referred == {"2022Q1": 3, "2022Q2": 2, "2022": 5}, role
    # The secretariat lists the complaints it may read: as many as every figure counts.
    listed = all_complaints(client(running, "secretariat", "OCHA"))
    in_2022 = [c for c in listed if c["received_on"].startswith("2022")]
    assert len(in_2022) == 5
    # The PSEA focal point reads every complaint in its totals (2 + 2 + 1 in Q2).
    assert complaints_figures(psea, "2022Q2")["received"] == 5


def all_complaints(http: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 500}
    while True:
        page = http.get("/complaints", params=query).json()
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


def problem(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    return response.status_code, (body.get("type"), body.get("detail"), body.get("errors"))


def test_a_kobo_uuid_of_another_organisations_sea_case_tells_nothing(
    running: harness.Server,
) -> None:
    """HCR's Kobo form sends an SEA allegation. UNICEF, sending the same submission, gets what it
    gets for a uuid never sent: the form's 403 while the form is HCR's, and a complaint of its
    own (201, `created`) once the form is UNICEF's, never a 409 telling that the case exists."""
    secretariat = client(running, "secretariat", "OCHA")
    hcr, unicef = client(running, "partner", "HCR"), client(running, "partner", "UNICEF")
    form = f"/complaints/intake/kobo/forms/{XFORM_ID}"
    assert secretariat.put(form, json=MAPPING).status_code in (200, 201)
    sea = {  # anonymous: this server keeps no identity (no encryption key)
        "grp_plainte__categorie": "eas", "grp_plaignant__anonyme": "oui",
        "grp_plaignant__nom": None, "grp_plaignant__telephone": None,
        "grp_plaignant__accord_contact": None, "grp_plaignant__accord_partage": None,
    }  # fmt: skip
    sent = hcr.post("/complaints/intake/kobo", json=submission(**sea))
    assert (sent.status_code, sent.json().get("confidential")) == (201, True), sent.text

    def send(uuid: str) -> httpx.Response:
        return unicef.post("/complaints/intake/kobo", json=submission(uuid, **sea))

    same, fresh = send(submission()["_uuid"]), send("9b1f2c3d-0000-4000-8000-000000000001")
    assert problem(same) == problem(fresh)
    assert same.status_code == 403
    assert secretariat.put(form, json={**MAPPING, "organisation": "UNICEF"}).status_code == 200
    same, fresh = send(submission()["_uuid"]), send("9b1f2c3d-0000-4000-8000-000000000002")
    receipt = {k: v for k, v in same.json().items() if k != "id"}
    assert (same.status_code, receipt) == (fresh.status_code, {
        k: v for k, v in fresh.json().items() if k != "id"
    })  # fmt: skip
    assert (same.status_code, same.json()["outcome"]) == (201, "created")
    assert same.json()["id"] != sent.json()["id"]
