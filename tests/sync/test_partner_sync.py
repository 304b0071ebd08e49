"""A partner keeps a copy of the readings, alerts and complaints it may see, by incremental
passes (`order=changed`, `updated_since`, `/removals`), while others write between its pages, and
ends with exactly what the server shows it."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.alerts.conftest import create as create_alert
from tests.alerts.conftest import step as alert_step
from tests.complaints.conftest import BASE as COMPLAINTS
from tests.complaints.conftest import create as create_complaint
from tests.complaints.conftest import refer
from tests.helpers import all_items
from tests.readings.conftest import count_reading
from tests.sync.recipe import LISTS, Copy, own_fields, server_state, sync_pass


def post_reading(client: TestClient, **overrides: Any) -> int:
    response = client.post("/api/v1/readings", json=count_reading(**overrides))
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def test_a_partner_syncs_incrementally_with_writes_between_its_pages_and_ends_exact(
    hcr: TestClient,
    unicef: TestClient,
    ocha: TestClient,
    client_as: Callable[..., TestClient],
) -> None:
    from ehp_api.core.permissions import Role

    psea = client_as(Role.psea_focal_point, "UNFPA")
    own = [post_reading(hcr, period=p) for p in ("2021Q1", "2021Q2", "2021Q3")]
    theirs = post_reading(unicef, period="2021Q1", location="ML0702")
    assert ocha.post(f"/api/v1/readings/{theirs}/validate").status_code == 200
    alerts = [create_alert(hcr, external_ref=f"hcr-{n}")["id"] for n in range(3)]
    mine = [create_complaint(hcr, description=f"Complaint {n}.")["id"] for n in range(3)]
    elsewhere = create_complaint(unicef)["id"]
    sea = create_complaint(hcr, category="sea_allegation")["id"]

    writes = iter(
        [
            lambda: hcr.delete(f"/api/v1/readings/{own[0]}"),
            # Another organisation's validated reading goes back to review: it leaves HCR's view.
            lambda: ocha.post(f"/api/v1/readings/{theirs}/reopen"),
            lambda: post_reading(hcr, period="2021Q4"),
            lambda: hcr.patch(f"/api/v1/readings/{own[1]}", json={"value": 9}),
            lambda: alert_step(hcr, alerts[0], "shared"),
            lambda: create_alert(hcr, external_ref="hcr-late"),
            # Made confidential: from now on only PSEA focal points read it.
            lambda: hcr.patch(f"{COMPLAINTS}/{mine[0]}", json={"sensitive": True}),
            lambda: refer(ocha, elsewhere, org="HCR"),
            lambda: hcr.patch(f"{COMPLAINTS}/{mine[1]}", json={"programme": "Distribution"}),
            lambda: psea.patch(f"{COMPLAINTS}/{sea}", json={"programme": "Confidential"}),
            lambda: post_reading(unicef, period="2021Q2", location="ML0702"),
        ]
    )

    def write_once() -> None:
        write = next(writes, None)
        if write is not None:
            answer = write()
            assert getattr(answer, "status_code", 200) < 300, answer.text

    copy: Copy = {kind: {} for kind in LISTS}
    since, removed = sync_pass(hcr, copy, None, between_pages=write_once)
    passes = 1
    while (pending := next(writes, None)) is not None:
        writes = iter([pending, *writes])
        since, more = sync_pass(hcr, copy, since, between_pages=write_once)
        removed, passes = removed + more, passes + 1
    for _ in range(2):  # quiet passes: what the last writes changed
        since, more = sync_pass(hcr, copy, since)
        removed += more
    assert passes >= 2, "the writes came in the middle of the passes, not before them"
    assert ("reading", own[0]) in removed
    assert ("reading", theirs) in removed
    assert ("complaint", mine[0]) in removed
    assert ("complaint", sea) not in removed  # HCR never saw it: nothing is said of it

    assert own_fields(copy) == own_fields(server_state(hcr))
    assert own[0] not in copy["reading"]
    assert theirs not in copy["reading"]
    assert copy["reading"][own[1]]["value"] == 9
    assert elsewhere in copy["complaint"]
    assert mine[0] not in copy["complaint"]
    assert len(copy["alert"]) == 4


def test_removals_tell_a_caller_only_of_records_it_could_see(
    hcr: TestClient, unicef: TestClient, ocha: TestClient, analyst: TestClient
) -> None:
    """A complaint made confidential leaves the secretariat and its recorder, never reaching
    the others' removals; a partner's deleted reading never reaches another partner, who never
    saw it; a record that comes back into view is no longer removed."""
    complaint = create_complaint(hcr)["id"]
    reading = post_reading(hcr, period="2021Q3")
    assert hcr.patch(f"{COMPLAINTS}/{complaint}", json={"sensitive": True}).status_code == 200
    assert hcr.delete(f"/api/v1/readings/{reading}").status_code == 204

    def removals(client: TestClient) -> set[tuple[str, int]]:
        return {(r["kind"], r["id"]) for r in all_items(client, "/api/v1/removals")}

    assert {("complaint", complaint), ("reading", reading)} <= removals(hcr)
    assert ("complaint", complaint) in removals(ocha)
    assert ("reading", reading) in removals(ocha)
    assert ("complaint", complaint) not in removals(unicef)
    assert ("reading", reading) not in removals(unicef)
    assert removals(analyst) & {("complaint", complaint), ("reading", reading)} == set()
