"""Who sees which reading, the secretariat's review, frozen validated readings, period locks."""

import pytest
from fastapi.testclient import TestClient

from ehp_api.core.db import MAX_ID
from tests.helpers import all_items
from tests.readings.conftest import count_reading


def create(client: TestClient, **overrides: object) -> dict:
    response = client.post("/api/v1/readings", json=count_reading(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


class TestCrossOrganisation:
    def test_another_partners_submitted_reading_does_not_exist_for_me(
        self, hcr: TestClient, unicef: TestClient
    ) -> None:
        reading = create(hcr)
        for method in ("GET", "PATCH", "DELETE"):
            response = unicef.request(
                method, f"/api/v1/readings/{reading['id']}", json={} if method == "PATCH" else None
            )
            assert response.status_code == 404, method
        assert unicef.get(f"/api/v1/readings/{reading['id']}/history").status_code == 404
        assert all_items(unicef, "/api/v1/readings") == []
        assert all_items(unicef, "/api/v1/readings", organisation="HCR") == []

    def test_validated_readings_of_others_are_visible(
        self, hcr: TestClient, unicef: TestClient, ocha: TestClient, analyst: TestClient
    ) -> None:
        submitted = create(hcr, location="ML0702")
        validated = create(hcr)
        ocha.post(f"/api/v1/readings/{validated['id']}/validate")
        assert [r["id"] for r in all_items(unicef, "/api/v1/readings")] == [validated["id"]]
        assert [r["id"] for r in all_items(analyst, "/api/v1/readings")] == [validated["id"]]
        assert unicef.get(f"/api/v1/readings/{submitted['id']}").status_code == 404
        assert len(all_items(hcr, "/api/v1/readings")) == 2
        assert len(all_items(ocha, "/api/v1/readings")) == 2

    def test_a_partner_cannot_change_another_organisations_validated_reading(
        self, hcr: TestClient, unicef: TestClient, ocha: TestClient
    ) -> None:
        reading = create(hcr)
        ocha.post(f"/api/v1/readings/{reading['id']}/validate")
        response = unicef.patch(f"/api/v1/readings/{reading['id']}", json={"value": 1})
        assert response.status_code == 409
        assert hcr.get(f"/api/v1/readings/{reading['id']}").json()["value"] == 4


class TestIds:
    def test_an_id_beyond_the_id_column_is_invalid_not_a_server_error(
        self, ocha: TestClient
    ) -> None:
        # Found by schema fuzzing: the driver overflowed on such ids (500).
        assert ocha.get(f"/api/v1/readings/{MAX_ID}").status_code == 404
        for too_large in (MAX_ID + 1, 10**20):
            for response in (
                ocha.get(f"/api/v1/readings/{too_large}"),
                ocha.get(f"/api/v1/readings/{too_large}/history"),
                ocha.post(f"/api/v1/readings/{too_large}/validate"),
            ):
                assert response.status_code == 422, response.url
                assert response.json()["errors"][0]["field"] == "reading_id"


class TestFilters:
    def test_filters_combine(self, hcr: TestClient, ocha: TestClient) -> None:
        create(hcr, location="ML0701")
        create(hcr, location="ML0901")
        create(hcr, location="ML0702", period="2021Q3")
        assert len(all_items(ocha, "/api/v1/readings", location="ML07")) == 2
        assert len(all_items(ocha, "/api/v1/readings", zone="other")) == 1
        assert len(all_items(ocha, "/api/v1/readings", period="2021")) == 3
        assert len(all_items(ocha, "/api/v1/readings", period="2021Q3")) == 1
        assert len(all_items(ocha, "/api/v1/readings", activity="1.1.1", status="submitted")) == 3
        assert all_items(ocha, "/api/v1/readings", updated_since="2099-01-01T00:00:00Z") == []

    @pytest.mark.parametrize(
        ("field", "code"),
        [
            ("indicator", "9.9.9.9"),
            ("activity", "9.9.9"),
            ("period", "2019Q1"),
            ("organisation", "NOPE"),
            ("location", "ML9999"),
        ],
    )
    def test_an_unknown_code_is_a_422_naming_the_filter(
        self, ocha: TestClient, field: str, code: str
    ) -> None:
        for path in ("/api/v1/readings", "/api/v1/exports/readings.csv"):
            response = ocha.get(path, params={field: code})
            assert response.status_code == 422, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            [error] = response.json()["errors"]
            assert (error["field"], error["code"]) == (field, "unknown_code")

    def test_updated_since_takes_iso_8601_not_a_bare_number(self, ocha: TestClient) -> None:
        # Found by schema fuzzing: a number was read as seconds since 1970 (200).
        # The long fuzzing run found the exponent form and a bare fraction read the same way.
        for value in ("1624406400", "-1.3196012162690847e-45", ".5", "1."):
            for path in ("/api/v1/readings", "/api/v1/exports/readings.xlsx"):
                response = ocha.get(path, params={"updated_since": value})
                assert response.status_code == 422, (path, value)
                assert response.json()["errors"][0]["field"] == "updated_since"


class TestReview:
    def test_validate_freezes_the_reading_for_partners(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = create(hcr)
        validated = ocha.post(f"/api/v1/readings/{reading['id']}/validate").json()
        assert (validated["status"], validated["reviewed_by"][:5]) == ("validated", "ehpk_")
        for response in (
            hcr.patch(f"/api/v1/readings/{reading['id']}", json={"value": 9}),
            hcr.delete(f"/api/v1/readings/{reading['id']}"),
        ):
            assert response.status_code == 409
            assert "validated and frozen" in response.json()["detail"]

    def test_a_correction_goes_back_to_the_secretariat(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = create(hcr)
        ocha.post(f"/api/v1/readings/{reading['id']}/validate")
        corrected = hcr.post("/api/v1/readings", json=count_reading(value=6)).json()
        assert (corrected["outcome"], corrected["status"], corrected["value"]) == (
            "updated",
            "submitted",
            6,
        )
        events = [e["event"] for e in hcr.get(f"/api/v1/readings/{reading['id']}/history").json()]
        assert events == ["validated", "value_changed"]

    def test_reject_needs_a_reason_and_reopen_sends_it_back(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = create(hcr)
        assert ocha.post(f"/api/v1/readings/{reading['id']}/reject", json={}).status_code == 422
        rejected = ocha.post(
            f"/api/v1/readings/{reading['id']}/reject", json={"reason": "Ansongo counted twice"}
        ).json()
        assert (rejected["status"], rejected["rejection_reason"]) == (
            "rejected",
            "Ansongo counted twice",
        )
        again = ocha.post(f"/api/v1/readings/{reading['id']}/reject", json={"reason": "x"})
        assert again.status_code == 409
        assert "rejected" in again.json()["detail"]
        assert "submitted" in again.json()["detail"]
        reopened = ocha.post(f"/api/v1/readings/{reading['id']}/reopen").json()
        assert (reopened["status"], reopened["rejection_reason"]) == ("submitted", None)

    def test_partner_cannot_review(self, hcr: TestClient) -> None:
        reading = create(hcr)
        assert hcr.post(f"/api/v1/readings/{reading['id']}/validate").status_code == 403

    def test_partner_patches_its_own_submitted_reading(self, hcr: TestClient) -> None:
        reading = create(hcr)
        patched = hcr.patch(
            f"/api/v1/readings/{reading['id']}", json={"value": 7, "comment": "fixed"}
        )
        assert (patched.json()["value"], patched.json()["comment"]) == (7, "fixed")
        refused = hcr.patch(f"/api/v1/readings/{reading['id']}", json={"value": -2})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "count_required"

    def test_delete_is_audited(self, hcr: TestClient, ocha: TestClient) -> None:
        reading = create(hcr)
        assert hcr.delete(f"/api/v1/readings/{reading['id']}").status_code == 204
        assert hcr.get(f"/api/v1/readings/{reading['id']}").status_code == 404
        events = ocha.get("/api/v1/audit-events", params={"action": "reading.delete"}).json()
        assert events["items"][0]["entity_id"] == str(reading["id"])


class TestPeriodLocks:
    def test_writes_to_a_locked_period_say_since_when_and_by_whom(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = create(hcr)
        lock = ocha.post(
            "/api/v1/periods/2021Q2/lock", json={"reason": "dashboard sent to the EHP"}
        )
        assert lock.json()["lock"]["reason"] == "dashboard sent to the EHP"
        for response in (
            hcr.post("/api/v1/readings", json=count_reading(location="ML0702")),
            hcr.patch(f"/api/v1/readings/{reading['id']}", json={"value": 1}),
        ):
            assert response.status_code == 409
            detail = response.json()["detail"]
            assert "2021Q2 is locked since" in detail
            assert lock.json()["lock"]["locked_by"] in detail
            assert "dashboard sent to the EHP" in detail

    def test_locking_a_year_locks_its_quarters(self, hcr: TestClient, ocha: TestClient) -> None:
        ocha.post("/api/v1/periods/2021/lock")
        response = hcr.post("/api/v1/readings", json=count_reading(period="2021Q4"))
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "period_locked"

    def test_unlock_opens_it_again(self, hcr: TestClient, ocha: TestClient) -> None:
        ocha.post("/api/v1/periods/2021Q2/lock")
        assert ocha.post("/api/v1/periods/2021Q2/unlock").json()["lock"] is None
        assert hcr.post("/api/v1/readings", json=count_reading()).status_code == 201
        actions = {e["action"] for e in ocha.get("/api/v1/audit-events").json()["items"]}
        assert {"period.lock", "period.unlock"} <= actions

    def test_only_the_secretariat_locks(self, hcr: TestClient) -> None:
        assert hcr.post("/api/v1/periods/2021Q2/lock").status_code == 403


class TestReviewWhatWasRead:
    """The reviewer sends back the reading's `ETag` in `If-Match`: a value changed since is not
    validated (412), and the answer carries the new version."""

    def test_a_value_changed_since_it_was_read_is_not_validated(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = create(hcr)
        url = f"/api/v1/readings/{reading['id']}"
        seen = ocha.get(url).headers["ETag"]
        changed = hcr.patch(url, json={"value": 9})
        assert changed.headers["ETag"] != seen
        stale = ocha.post(f"{url}/validate", headers={"If-Match": seen})
        assert stale.status_code == 412
        assert stale.headers["content-type"] == "application/problem+json"
        assert [(e["location"], e["field"]) for e in stale.json()["errors"]] == [
            ("header", "If-Match")
        ]
        assert ocha.get(url).json()["status"] == "submitted"
        gzipped = changed.headers["ETag"][:-1] + '-gzip"'  # the tag of the same answer gzipped
        fresh = ocha.post(f"{url}/validate", headers={"If-Match": f'"other", {gzipped}'})
        assert (fresh.status_code, fresh.json()["validated_value"]) == (200, 9)

    def test_a_stale_rejection_and_a_stale_patch_are_refused_too(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = create(hcr)
        url = f"/api/v1/readings/{reading['id']}"
        seen = hcr.get(url).headers["ETag"]
        assert ocha.patch(url, json={"comment": "checked"}).status_code == 200
        assert hcr.patch(url, json={"value": 5}, headers={"If-Match": seen}).status_code == 412
        reject = ocha.post(f"{url}/reject", json={"reason": "x"}, headers={"If-Match": seen})
        assert reject.status_code == 412
        assert ocha.get(url).json()["value"] == 4
