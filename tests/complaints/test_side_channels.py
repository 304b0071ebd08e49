"""No side channel on confidential complaints: a Kobo resend says what the first answer said,
whatever happened to the case since; a follow-up code already held is not told apart from a new
one; complaint ids are no sequence whose gaps count the confidential ones."""

from fastapi.testclient import TestClient

from tests.complaints.conftest import BASE, create, refer
from tests.complaints.kobo_data import INTAKE, submission
from tests.complaints.test_kobo import mapped

CODE = "3f2b9c1e8d474a6b"  # the code the sample submission carries


def test_a_resend_answers_the_same_after_the_case_became_an_sea_allegation(
    ocha: TestClient, hcr: TestClient, psea: TestClient
) -> None:
    mapped(ocha)
    first = hcr.post(INTAKE, json=submission())
    assert first.status_code == 201, first.text
    complaint_id = first.json()["id"]
    moved = psea.patch(f"{BASE}/{complaint_id}", json={"category": "sea_allegation"})
    assert moved.status_code == 200, moved.text
    refer(psea, complaint_id, on="2021-06-11")

    resent = hcr.post(INTAKE, json=submission())
    assert resent.status_code == 200, resent.text
    assert resent.json() == first.json() | {"outcome": "unchanged"}


def test_a_form_code_already_held_is_answered_like_a_new_one(
    ocha: TestClient, hcr: TestClient, anon_client: TestClient
) -> None:
    mapped(ocha)
    first = hcr.post(INTAKE, json=submission())
    assert first.status_code == 201, first.text
    second = hcr.post(INTAKE, json=submission(uuid="0c1d2e3f-aaaa-4bbb-8ccc-000000000002"))
    assert second.status_code == 201, second.text
    assert set(second.json()) == set(first.json())
    assert second.json()["id"] != first.json()["id"]
    # The code still leads to the case that held it first; the new case got a code of its own.
    refer(ocha, first.json()["id"], on="2021-06-11")
    looked_up = anon_client.get(f"{BASE}/follow-up/{CODE}")
    assert looked_up.json()["status"] == "in_progress"
    events = ocha.get("/api/v1/audit-events", params={
        "action": "complaint.follow_up_code_replaced"
    }).json()["items"]  # fmt: skip
    assert [e["entity_id"] for e in events] == [str(second.json()["id"])]


def test_complaint_ids_do_not_count_the_confidential_ones_between_them(
    hcr: TestClient, psea: TestClient
) -> None:
    before = create(hcr)["id"]
    for _ in range(3):
        create(psea, category="sea_allegation")
    after = create(hcr)["id"]
    # With a sequence, `after - before - 1` would be the number of SEA allegations in between.
    assert not 0 < after - before <= 4
