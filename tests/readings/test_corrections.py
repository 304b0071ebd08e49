"""A correction of a validated reading waits for review while the validated value counts; a
write over someone else's reading says what it replaced; the history keeps every field."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.readings.conftest import count_reading


def post(client: TestClient, **overrides: object) -> dict:
    response = client.post("/api/v1/readings", json=count_reading(**overrides))
    assert response.status_code in (200, 201), response.text
    return response.json()


class TestPendingCorrection:
    def test_a_correction_is_shown_beside_the_validated_value_it_would_replace(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = post(hcr, value=9)
        ocha.post(f"/api/v1/readings/{reading['id']}/validate")
        corrected = post(hcr, value=6)
        assert (corrected["status"], corrected["value"], corrected["validated_value"]) == (
            "submitted", 6, 9,
        )  # fmt: skip
        pending = corrected["pending_correction"]
        assert (pending["value"], pending["proposed_by"]) == (6, corrected["updated_by"])
        assert corrected["updated_by"].startswith("ehpk_")

    def test_posting_the_validated_value_again_withdraws_the_correction(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = post(hcr, value=9)
        ocha.post(f"/api/v1/readings/{reading['id']}/validate")
        post(hcr, value=6)
        back = post(hcr, value=9)
        assert (back["status"], back["pending_correction"]) == ("validated", None)

    def test_rejecting_a_correction_leaves_the_validated_value(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = post(hcr, value=9)
        ocha.post(f"/api/v1/readings/{reading['id']}/validate")
        post(hcr, value=6)
        rejected = ocha.post(f"/api/v1/readings/{reading['id']}/reject", json={"reason": "no"})
        assert (rejected.json()["status"], rejected.json()["validated_value"]) == ("rejected", 9)

    def test_reopening_a_validated_reading_withdraws_its_value(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        reading = post(hcr, value=9)
        ocha.post(f"/api/v1/readings/{reading['id']}/validate")
        reopened = ocha.post(f"/api/v1/readings/{reading['id']}/reopen").json()
        assert (reopened["status"], reopened["validated_value"]) == ("submitted", None)


class TestOverwrite:
    def test_a_write_over_a_colleagues_reading_says_what_it_replaced(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        first, second = client_as(Role.partner, "HCR"), client_as(Role.partner, "HCR")
        mine = post(first, value=4, comment="Ansongo briefings", external_ref="gao-17")
        assert mine["outcome"] == "created"
        theirs = post(second, value=7, comment="all of Gao")
        assert theirs["outcome"] == "updated"
        replaced = theirs["overwrote"]
        assert (replaced["value"], replaced["by"]) == (4, mine["created_by"])
        assert (replaced["comment"], replaced["external_ref"]) == ("Ansongo briefings", "gao-17")
        again = post(second, value=8, comment="all of Gao")
        assert again["overwrote"] is None  # their own value: nothing to say

    def test_a_batch_row_over_a_colleagues_reading_says_so_too(
        self, client_as: Callable[..., TestClient]
    ) -> None:
        first, second = client_as(Role.partner, "HCR"), client_as(Role.partner, "HCR")
        post(first, value=4)
        batch = second.post("/api/v1/readings/batch", json={"readings": [count_reading(value=5)]})
        assert batch.status_code == 200, batch.text
        [row] = batch.json()["results"]
        assert (row["outcome"], row["overwrote"]["value"]) == ("updated", 4)

    def test_the_history_keeps_every_field_that_changed(self, hcr: TestClient) -> None:
        reading = post(hcr, value=4, comment="first", external_ref="a")
        post(hcr, value=4, comment="second", external_ref="b")
        patched = hcr.patch(f"/api/v1/readings/{reading['id']}", json={"comment": "third"})
        assert patched.status_code == 200, patched.text
        history = hcr.get(f"/api/v1/readings/{reading['id']}/history").json()
        assert [h["event"] for h in history] == ["details_changed", "details_changed"]
        assert history[0]["changes"] == {
            "comment": {"old": "first", "new": "second"},
            "external_ref": {"old": "a", "new": "b"},
        }
        assert history[1]["changes"] == {"comment": {"old": "second", "new": "third"}}
