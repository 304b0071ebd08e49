"""HTTP status and shape of the complaints endpoints: create, read, list, correct, follow up."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from ehp_api.complaints.models import Complaint
from ehp_api.core.config import Settings
from ehp_api.core.db import MAX_ID
from ehp_api.core.permissions import Role
from ehp_api.main import create_app
from ehp_api.web.idempotency_keys import IdempotencyKey, Storage
from tests.complaints.conftest import BASE, complaint, create, days_ago, move, named, refer
from tests.conftest import on_test_session
from tests.helpers import all_items, statements_of


class TestCreate:
    def test_the_answer_is_a_receipt_with_a_follow_up_code(self, hcr: TestClient) -> None:
        response = hcr.post(BASE, json=complaint())
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {
            "id", "status", "confidential", "referral_due_on", "follow_up_code", "outcome"
        }  # fmt: skip
        assert (body["status"], body["confidential"], body["outcome"]) == (
            "received", False, "created"
        )  # fmt: skip
        assert re.fullmatch(
            r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", body["follow_up_code"]
        )

    def test_the_record_as_its_recorder_reads_it(self, hcr: TestClient) -> None:
        receipt = create(hcr, complainant={"sex": "m", "age_group": "60+"})
        record = hcr.get(f"{BASE}/{receipt['id']}").json()
        assert record["location"] == "ML0506"
        assert record["zone"] == "liptako_gourma"
        assert record["recorded_by_organisation"] == "HCR"
        assert record["organisation_concerned"] == "HCR"
        assert record["complainant"] == {
            "anonymous": True, "sex": "m", "age_group": "60+", "consent_to_contact": False,
            "consent_to_share_identity": False, "identity_on_file": False,
            "identity_purged_at": None,
        }  # fmt: skip
        assert record["victim_assistance"] is None
        assert record["overdue"] is False

    def test_zone_outside_liptako_gourma(self, hcr: TestClient) -> None:
        receipt = create(hcr, location="ML0901")
        assert hcr.get(f"{BASE}/{receipt['id']}").json()["zone"] == "other"

    def test_placed_without_reading_the_places(self, hcr: TestClient, engine: Engine) -> None:
        """The places by P-code are kept per version of the reference data: a new complaint is
        placed, in or out of Liptako-Gourma, without a statement to look its P-code up."""
        create(hcr, location="ML0901")  # the lookups kept per version of the reference data
        ids: list[int] = []
        seen = statements_of(engine, lambda: ids.append(create(hcr, location="ML0701")["id"]))
        assert not [s for s in seen if "locations.pcode =" in s], seen
        assert hcr.get(f"{BASE}/{ids[0]}").json()["zone"] == "liptako_gourma"

    def test_named_without_reading_the_organisations_or_the_places(
        self, hcr: TestClient, engine: Engine
    ) -> None:
        """The organisation concerned and the answer's codes come from the lookups kept per
        version of the reference data: no statement reads the organisations or the places."""
        create(hcr, organisation_concerned="UNICEF")  # the lookups kept
        made: list[dict] = []
        seen = statements_of(
            engine,
            lambda: made.append(create(hcr, organisation_concerned="OIM", location="ML0701")),
        )
        assert not [s for s in seen if "FROM organisations" in s or "FROM locations" in s], seen
        read = hcr.get(f"{BASE}/{made[0]['id']}").json()
        assert (read["organisation_concerned"], read["location"]) == ("OIM", "ML0701")
        unknown = hcr.post(BASE, json=complaint(organisation_concerned="NOPE"))
        assert unknown.status_code == 422
        [error] = unknown.json()["errors"]
        assert (error["field"], error["code"]) == ("organisation_concerned", "unknown_organisation")

    def test_an_sea_allegation_is_always_sensitive(self, hcr: TestClient) -> None:
        assert create(hcr, category="sea_allegation")["confidential"] is True
        refused = hcr.post(BASE, json=complaint(category="sea_allegation", sensitive=False))
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "sea_is_sensitive"

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"location": "ML9999"}, "location", "unknown_location"),
            (
                {"organisation_concerned": "NOBODY"},
                "organisation_concerned",
                "unknown_organisation",
            ),
            ({"received_on": "2099-01-01"}, "received_on", "date_in_future"),
            ({"channel": "pigeon"}, "channel", "enum"),
            ({"victim_assistance": []}, "victim_assistance", "sea_only"),
        ],
    )
    def test_invalid_fields_are_named(
        self, hcr: TestClient, overrides: dict[str, Any], field: str, code: str
    ) -> None:
        response = hcr.post(BASE, json=complaint(**overrides))
        assert response.status_code == 422, response.text
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]

    def test_anonymous_with_a_name_is_refused_without_echoing_it(self, hcr: TestClient) -> None:
        body = complaint(complainant={"anonymous": True, "name": "Moussa Traoré"})
        response = hcr.post(BASE, json=body)
        assert response.status_code == 422
        assert "Moussa" not in response.text
        assert response.json()["errors"][0]["field"] == "complainant"

    def test_an_invalid_phone_is_not_echoed(self, hcr: TestClient) -> None:
        response = hcr.post(BASE, json=complaint(complainant=named(phone="call 7000-ABC-secret")))
        assert response.status_code == 422
        assert "secret" not in response.text
        assert response.json()["errors"][0]["field"] == "complainant.phone"

    def test_not_anonymous_needs_a_name_or_phone(self, hcr: TestClient) -> None:
        response = hcr.post(BASE, json=complaint(complainant={"anonymous": False}))
        assert response.status_code == 422

    def test_roles_without_the_permission(self, client_as: Any) -> None:
        for role in (Role.analyst, Role.admin):
            assert client_as(role, "OCHA").post(BASE, json=complaint()).status_code == 403

    def test_the_date_received_is_iso_8601_not_a_bare_number(self, hcr: TestClient) -> None:
        # The alerts' fuzzing finding (`0` read as 1970-01-01); complaints take dates the same way.
        response = hcr.post(BASE, json=complaint(received_on=0))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "received_on"


class TestWithoutEncryptionKey:
    @pytest.fixture
    def keyless(self, settings: Settings, session: Session, client_as: Any) -> TestClient:
        app = on_test_session(
            create_app(settings.model_copy(update={"encryption_key": None})), session
        )
        key = client_as(Role.partner, "HCR").headers["Authorization"]
        return TestClient(app, raise_server_exceptions=False, headers={"Authorization": key})

    def test_identity_is_refused_with_a_503_naming_the_setting(self, keyless: TestClient) -> None:
        response = keyless.post(BASE, json=complaint(complainant=named()))
        assert response.status_code == 503
        assert "EHP_ENCRYPTION_KEY" in response.json()["detail"]
        assert "Aminata" not in response.text
        assert all_items(keyless, BASE) == []

    def test_anonymous_complaints_are_still_accepted(self, keyless: TestClient) -> None:
        assert keyless.post(BASE, json=complaint()).status_code == 201

    def test_a_retry_cannot_be_given_the_follow_up_code_again(
        self, keyless: TestClient, session: Session
    ) -> None:
        # Nothing could encrypt the answer, so it was kept without its code.
        headers = {"Idempotency-Key": "c-1"}
        count = select(func.count()).select_from(Complaint)
        before = session.exec(count).one()
        first = keyless.post(BASE, json=complaint(), headers=headers)
        again = keyless.post(BASE, json=complaint(), headers=headers)
        assert (first.status_code, again.status_code) == (201, 409)
        assert again.json()["type"] == "/problems/already-created"
        assert again.json()["created"]["id"] == first.json()["id"]
        assert first.json()["follow_up_code"] not in again.text
        row = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == "c-1")).one()
        assert row.response_storage == Storage.withheld
        assert first.json()["follow_up_code"] not in str(row.response_body)
        assert session.exec(count).one() == before + 1


class TestRetries:
    def test_a_retry_gets_the_same_follow_up_code_and_it_works(
        self, hcr: TestClient, anon_client: TestClient
    ) -> None:
        headers = {"Idempotency-Key": "c-1"}
        first = hcr.post(BASE, json=complaint(complainant=named()), headers=headers)
        again = hcr.post(BASE, json=complaint(complainant=named()), headers=headers)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        code = again.json()["follow_up_code"]
        assert anon_client.get(f"{BASE}/follow-up/{code}").json()["status"] == "received"

    def test_the_kept_answer_is_encrypted(self, hcr: TestClient, session: Session) -> None:
        # Complaints keep only a hash of the code: the kept answer must not hold it in clear.
        headers = {"Idempotency-Key": "c-2"}
        receipt = hcr.post(BASE, json=complaint(), headers=headers).json()
        row = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == "c-2")).one()
        assert row.response_storage == Storage.sealed
        kept = str(row.response_body)
        code = receipt["follow_up_code"]
        assert code not in kept
        assert code.replace("-", "") not in kept
        assert f'"id": {receipt["id"]}' not in kept


class TestRead:
    def test_a_partner_sees_what_it_recorded_and_what_is_referred_to_it(
        self, hcr: TestClient, unicef: TestClient, oim: TestClient, ocha: TestClient
    ) -> None:
        kept = create(hcr)
        referred = create(hcr)
        refer(hcr, referred["id"], "UNICEF")
        assert sorted(c["id"] for c in all_items(hcr, BASE)) == sorted([kept["id"], referred["id"]])
        assert [c["id"] for c in all_items(unicef, BASE)] == [referred["id"]]
        assert unicef.get(f"{BASE}/{kept['id']}").status_code == 404
        assert all_items(oim, BASE) == []
        assert oim.get(f"{BASE}/{referred['id']}").status_code == 404
        assert len(all_items(ocha, BASE)) == 2

    def test_analysts_and_admins_have_no_access(self, client_as: Any, hcr: TestClient) -> None:
        receipt = create(hcr)
        for role in (Role.analyst, Role.admin):
            client = client_as(role, "OCHA")
            assert client.get(BASE).status_code == 403
            assert client.get(f"{BASE}/{receipt['id']}").status_code == 403

    def test_unknown_id_is_404(self, ocha: TestClient) -> None:
        assert ocha.get(f"{BASE}/999999").status_code == 404

    def test_an_id_beyond_the_id_column_is_invalid_not_a_server_error(
        self, ocha: TestClient
    ) -> None:
        # Found by schema fuzzing: the driver overflowed on such ids (500).
        assert ocha.get(f"{BASE}/{MAX_ID}").status_code == 404
        for too_large in (MAX_ID + 1, 10**20):
            for path in (f"{BASE}/{too_large}", f"{BASE}/{too_large}/timeline"):
                response = ocha.get(path)
                assert response.status_code == 422, path
                assert response.json()["errors"][0]["field"] == "complaint_id"


class TestList:
    def test_an_unknown_code_is_a_422_naming_the_filter(self, ocha: TestClient) -> None:
        # The same refusal as every list's filters (`core.query_filters`): `unknown_code`.
        for field, code in (("location", "ML9999"), ("organisation_concerned", "NOPE")):
            response = ocha.get(BASE, params={field: code})
            assert response.status_code == 422, response.text
            [error] = response.json()["errors"]
            assert (error["location"], error["field"], error["code"]) == (
                "query",
                field,
                "unknown_code",
            )

    def test_filters(self, hcr: TestClient, ocha: TestClient) -> None:
        a = create(hcr, location="ML0506", channel="sms", received_on="2021-05-03")
        b = create(hcr, location="ML0901", category="exclusion", received_on="2021-08-20")
        c = create(hcr, location="ML0501", organisation_concerned="UNICEF", received_on=days_ago(1))
        refer(hcr, c["id"])

        def ids(**params: Any) -> list[int]:
            # Ids are random (no sequence to count gaps in): a list is in id order, not in time.
            return sorted(x["id"] for x in all_items(ocha, BASE, **params))

        assert ids(location="ML05") == sorted([a["id"], c["id"]])
        assert ids(zone="other") == [b["id"]]
        assert ids(channel="sms") == [a["id"]]
        assert ids(category="exclusion") == [b["id"]]
        assert ids(status="referred") == [c["id"]]
        assert ids(organisation_concerned="UNICEF") == [c["id"]]
        assert ids(period="2021") == sorted([a["id"], b["id"]])
        assert ids(period="2021Q3") == [b["id"]]
        assert ids(overdue=True) == sorted([a["id"], b["id"]])
        assert ids(overdue=False) == [c["id"]]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"period": "2019Q1"}, "period"),
            ({"location": "ML9999"}, "location"),
            ({"organisation_concerned": "NOBODY"}, "organisation_concerned"),
            ({"zone": "sahel"}, "zone"),
        ],
    )
    def test_unknown_filter_values_are_422_naming_the_filter(
        self, ocha: TestClient, params: dict[str, str], field: str
    ) -> None:
        response = ocha.get(BASE, params=params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    def test_pages(self, hcr: TestClient) -> None:
        for _ in range(3):
            create(hcr)
        first = hcr.get(BASE, params={"limit": 2}).json()
        assert len(first["items"]) == 2
        assert first["next_cursor"]
        second = hcr.get(BASE, params={"limit": 2, "cursor": first["next_cursor"]}).json()
        assert len(second["items"]) == 1
        assert second["next_cursor"] is None


class TestUpdate:
    def test_the_recorder_corrects_and_the_deadline_follows_the_category(
        self, hcr: TestClient
    ) -> None:
        receipt = create(hcr, received_on="2021-06-10")
        assert receipt["referral_due_on"] == "2021-06-24"
        response = hcr.patch(
            f"{BASE}/{receipt['id']}", json={"sensitive": False, "location": "ML0901"}
        )
        assert response.status_code == 200
        assert (response.json()["location"], response.json()["zone"]) == ("ML0901", "other")
        response = hcr.patch(f"{BASE}/{receipt['id']}", json={"category": "protection_concern"})
        assert response.json()["referral_due_on"] == "2021-06-24"

    def test_made_confidential_it_answers_a_receipt_and_disappears(
        self, hcr: TestClient, psea: TestClient
    ) -> None:
        receipt = create(hcr)
        response = hcr.patch(f"{BASE}/{receipt['id']}", json={"category": "sea_allegation"})
        assert response.status_code == 200
        assert response.json()["confidential"] is True
        assert "description" not in response.json()
        assert hcr.get(f"{BASE}/{receipt['id']}").status_code == 404
        record = psea.get(f"{BASE}/{receipt['id']}").json()
        assert (record["sensitive"], record["referral_due_on"]) == (True, days_ago(-1))

    def test_null_for_a_required_field_is_422(self, hcr: TestClient) -> None:
        receipt = create(hcr)
        response = hcr.patch(f"{BASE}/{receipt['id']}", json={"description": None})
        assert response.status_code == 422

    def test_only_the_recorder_or_the_secretariat(
        self, hcr: TestClient, unicef: TestClient, ocha: TestClient
    ) -> None:
        receipt = create(hcr)
        refer(hcr, receipt["id"])
        assert unicef.patch(f"{BASE}/{receipt['id']}", json={"language": "fr"}).status_code == 403
        assert ocha.patch(f"{BASE}/{receipt['id']}", json={"language": "bm"}).status_code == 200

    def test_a_closed_complaint_is_frozen(self, hcr: TestClient) -> None:
        receipt = create(hcr)
        move(hcr, receipt["id"], "closed", outcome="not_in_scope")
        assert hcr.patch(f"{BASE}/{receipt['id']}", json={"language": "fr"}).status_code == 409


class TestFollowUp:
    def test_the_code_tells_the_status_then_the_response(
        self, hcr: TestClient, unicef: TestClient, anon_client: TestClient
    ) -> None:
        receipt = create(hcr)
        code = receipt["follow_up_code"]
        url = f"{BASE}/follow-up/{code}"
        assert anon_client.get(url).json() == {"status": "received", "response": None}
        refer(hcr, receipt["id"])
        assert anon_client.get(url).json()["status"] == "in_progress"
        move(unicef, receipt["id"], "accepted")
        move(unicef, receipt["id"], "responded", response="Added to the list.",
             response_method="phone_call")  # fmt: skip
        answer = anon_client.get(f"{BASE}/follow-up/{code.lower().replace('-', ' ')}").json()
        assert answer == {"status": "responded", "response": "Added to the list."}

    def test_an_unknown_code_is_404(self, anon_client: TestClient) -> None:
        response = anon_client.get(f"{BASE}/follow-up/AAAA-BBBB-CCCC-DDDD")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    def test_lookups_are_rate_limited(self, anon_client: TestClient) -> None:
        statuses = [anon_client.get(f"{BASE}/follow-up/X{i}").status_code for i in range(11)]
        assert statuses[:10] == [404] * 10
        assert statuses[10] == 429
