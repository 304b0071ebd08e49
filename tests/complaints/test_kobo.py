"""KoboToolbox intake: the secretariat maps a form, Kobo posts its submissions, resends change
nothing, and refusals name fields without echoing answers."""

from typing import Any

from fastapi.testclient import TestClient

from tests.complaints.conftest import BASE
from tests.complaints.kobo_data import FORMS, INTAKE, MAPPING, XFORM_ID, submission
from tests.helpers import all_items

UUID = submission()["_uuid"]


def mapped(ocha: TestClient, **changes: Any) -> dict:
    response = ocha.put(f"{FORMS}/{XFORM_ID}", json={**MAPPING, **changes})
    assert response.status_code in (200, 201), response.text
    return response.json()


class TestMapping:
    def test_create_then_replace(self, ocha: TestClient) -> None:
        first = ocha.put(f"{FORMS}/{XFORM_ID}", json=MAPPING)
        assert first.status_code == 201
        assert first.json()["xform_id"] == XFORM_ID
        again = ocha.put(f"{FORMS}/{XFORM_ID}", json={**MAPPING, "name": "Mopti v2"})
        assert again.status_code == 200
        assert ocha.get(f"{FORMS}/{XFORM_ID}").json()["name"] == "Mopti v2"
        assert [f["xform_id"] for f in all_items(ocha, FORMS)] == [XFORM_ID]
        actions = ocha.get("/api/v1/audit-events", params={"entity_type": "kobo_form"}).json()
        assert [e["action"] for e in actions["items"]] == ["kobo_form.update", "kobo_form.create"]

    def test_unknown_targets_and_identity_defaults_are_refused(self, ocha: TestClient) -> None:
        for changes in (
            {"fields": {**MAPPING["fields"], "complainant.email": "grp/mail"}},
            {"defaults": {"complainant.name": "X"}},
            {"fields": {"category": "grp/cat"}},
        ):
            assert ocha.put(f"{FORMS}/{XFORM_ID}", json={**MAPPING, **changes}).status_code == 422

    def test_unknown_form_is_404_and_partners_cannot_map(
        self, ocha: TestClient, hcr: TestClient
    ) -> None:
        assert ocha.get(f"{FORMS}/nothing").status_code == 404
        assert hcr.put(f"{FORMS}/{XFORM_ID}", json=MAPPING).status_code == 403


class TestIntake:
    def test_a_refused_answer_is_not_repeated_in_the_problem(
        self, ocha: TestClient, hcr: TestClient
    ) -> None:
        # Found by the long property run: the service's refusal quoted the unknown code.
        mapped(ocha)
        body = submission() | {"grp_plainte/agence": "ZqPrivateAnswerXj"}
        response = hcr.post(INTAKE, json=body)
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert (error["field"], error["code"]) == ("organisation_concerned", "unknown_organisation")
        assert "grp_plainte/agence" in error["reason"]
        assert "ZqPrivateAnswerXj" not in response.text

    def test_a_realistic_submission_sent_twice_makes_one_complaint(
        self, ocha: TestClient, hcr: TestClient, psea: TestClient, anon_client: TestClient
    ) -> None:
        mapped(ocha)
        first = hcr.post(INTAKE, json=submission())
        assert first.status_code == 201, first.text
        receipt = first.json()
        assert (receipt["outcome"], receipt["follow_up_code"]) == ("created", None)
        resent = hcr.post(INTAKE, json=submission())
        assert resent.status_code == 200
        assert (resent.json()["id"], resent.json()["outcome"]) == (receipt["id"], "unchanged")
        assert len(all_items(ocha, BASE)) == 1
        record = psea.get(f"{BASE}/{receipt['id']}").json()
        assert (record["channel"], record["category"], record["language"]) == (
            "help_desk", "exclusion", "ff"
        )  # fmt: skip
        assert (record["received_on"], record["location"], record["zone"]) == (
            "2021-06-10", "ML0506", "liptako_gourma"
        )  # fmt: skip
        assert record["description"].startswith("Ma famille")
        assert record["complainant"] == {
            "anonymous": False, "name": "Fatoumata Cissé", "phone": "+223 76 12 34 56",
            "sex": "f", "age_group": "18-59", "consent_to_contact": True,
            "consent_to_share_identity": False, "identity_on_file": True,
            "identity_purged_at": None,
        }  # fmt: skip
        assert record["recorded_by_organisation"] == "HCR"
        follow_up = anon_client.get(f"{BASE}/follow-up/3F2B-9C1E-8D47-4A6B")
        assert follow_up.json() == {"status": "received", "response": None}

    def test_an_sea_allegation_through_kobo_is_confidential(
        self, ocha: TestClient, hcr: TestClient
    ) -> None:
        mapped(ocha)
        response = hcr.post(INTAKE, json=submission(grp_plainte__categorie="eas"))
        assert response.json()["confidential"] is True
        assert all_items(ocha, BASE) == []

    def test_without_identity_questions_it_is_anonymous(
        self, ocha: TestClient, hcr: TestClient, psea: TestClient
    ) -> None:
        mapped(ocha)
        body = submission(
            grp_plaignant__anonyme=None, grp_plaignant__nom=None,
            grp_plaignant__telephone=None, grp_plaignant__accord_contact="non",
            grp_plaignant__accord_partage="non", grp_reception__date_reception=None,
            grp_reception__langue=None,
        )  # fmt: skip
        receipt = hcr.post(INTAKE, json=body).json()
        record = psea.get(f"{BASE}/{receipt['id']}").json()
        assert record["complainant"]["anonymous"] is True
        assert "name" not in record["complainant"] or record["complainant"]["name"] is None
        assert (record["received_on"], record["language"]) == ("2021-06-10", "fr")

    def test_an_unmapped_form_is_422(self, hcr: TestClient) -> None:
        response = hcr.post(INTAKE, json=submission())
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "unknown_form"

    def test_a_submission_without_uuid_is_422(self, hcr: TestClient) -> None:
        body = submission()
        del body["_uuid"]
        assert hcr.post(INTAKE, json=body).status_code == 422

    def test_another_organisations_form_is_403(self, ocha: TestClient, unicef: TestClient) -> None:
        mapped(ocha)
        assert unicef.post(INTAKE, json=submission()).status_code == 403

    def test_another_organisations_submission_is_answered_as_a_new_one(
        self, ocha: TestClient, hcr: TestClient, unicef: TestClient
    ) -> None:
        """A uuid HCR sent tells UNICEF nothing: on HCR's form, the 403 any submission gets;
        on a form now UNICEF's, a complaint of its own, as for a uuid never sent."""
        mapped(ocha)
        first = hcr.post(INTAKE, json=submission()).json()
        sent, fresh = (unicef.post(INTAKE, json=submission(u)) for u in (UUID, "never-sent"))
        assert sent.status_code == fresh.status_code == 403
        assert sent.json()["detail"] == fresh.json()["detail"]
        mapped(ocha, organisation="UNICEF")
        again = unicef.post(INTAKE, json=submission())
        assert (again.status_code, again.json()["outcome"]) == (201, "created")
        assert again.json()["id"] != first["id"]
        resent = unicef.post(INTAKE, json=submission())
        assert (resent.json()["id"], resent.json()["outcome"]) == (again.json()["id"], "unchanged")

    def test_a_uuid_too_long_to_keep_is_refused(self, ocha: TestClient, hcr: TestClient) -> None:
        mapped(ocha)
        response = hcr.post(INTAKE, json=submission("u" * 81))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "_uuid"

    def test_refusals_name_the_field_and_question_not_the_answer(
        self, ocha: TestClient, hcr: TestClient
    ) -> None:
        mapped(ocha)
        body = submission(uuid="0b6f", grp_plaignant__telephone="appeler Oumar au marché",
                          grp_reception__canal="pirogue")  # fmt: skip
        response = hcr.post(INTAKE, json=body)
        assert response.status_code == 422
        fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
        assert set(fields) == {"channel", "complainant.phone"}
        assert "grp_plaignant/telephone" in fields["complainant.phone"]
        assert "Oumar" not in response.text
        assert "pirogue" not in response.text

    def test_a_short_form_code_is_refused(self, ocha: TestClient, hcr: TestClient) -> None:
        mapped(ocha)
        response = hcr.post(INTAKE, json=submission(code_suivi="1234"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "follow_up_code_too_short"
