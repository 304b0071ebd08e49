"""Alerts through the API: the 5W, who sees what, duplicates, links and filters."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from ehp_api.core.db import MAX_ID
from ehp_api.core.permissions import Role
from tests.alerts.conftest import NARRATIVE, alert_body, create, step
from tests.helpers import all_items

HIDDEN = ("narrative", "source_organisation", "external_ref", "created_by")


def shared(client: TestClient, **overrides: object) -> dict:
    alert = create(client, **overrides)
    on = str(overrides.get("reported_on", "2021-05-03"))
    assert step(client, alert["id"], "shared", on=on).status_code == 200
    return alert


class TestCreate:
    def test_the_source_sees_its_alert_in_full(self, hcr: TestClient) -> None:
        alert = create(hcr)
        assert (alert["status"], alert["source_organisation"], alert["narrative"]) == (
            "draft",
            "HCR",
            NARRATIVE,
        )
        assert (alert["location"], alert["admin1"], alert["admin2"]) == ("ML0701", "ML07", "ML0701")
        assert alert["liptako_gourma"] is True

    def test_outside_liptako(self, hcr: TestClient) -> None:
        assert create(hcr, location="ML0901")["liptako_gourma"] is False

    def test_5w_is_checked(self, hcr: TestClient) -> None:
        cases = [
            ({"location": "ML9999"}, "location"), ({"reported_on": "2021-05-01"}, "reported_on"),
            ({"severity": 6}, "severity"),
            ({"source_organisation": "UNICEF"}, "source_organisation"),
            ({"category": "looting"}, "category"), ({"occurred_on": "2099-01-01",
                                                     "reported_on": "2099-01-02"}, "occurred_on"),
        ]  # fmt: skip
        for change, field in cases:
            response = hcr.post("/api/v1/alerts", json=alert_body(**change))
            assert response.status_code == 422, change
            assert response.json()["errors"][0]["field"] == field

    def test_links_only_to_alerts_you_may_see(self, hcr: TestClient, unicef: TestClient) -> None:
        theirs = shared(unicef)
        mine = create(hcr)
        response = hcr.post("/api/v1/alerts", json=alert_body(links=[theirs["id"]]))
        assert response.json()["errors"][0]["field"] == "links"
        linked = create(hcr, links=[mine["id"]])
        assert linked["links"] == [mine["id"]]
        assert hcr.get(f"/api/v1/alerts/{mine['id']}").json()["links"] == [linked["id"]]

    def test_a_link_past_the_id_range_is_a_422_naming_links(self, hcr: TestClient) -> None:
        for link in (2**31, 2**63, 0):
            response = hcr.post("/api/v1/alerts", json=alert_body(links=[link]))
            assert response.status_code == 422, (link, response.text)
            assert response.json()["errors"][0]["field"].startswith("links"), response.json()


class TestWhoSeesWhat:
    def test_a_partner_sees_only_its_own_alerts(self, hcr: TestClient, unicef: TestClient) -> None:
        alert = shared(hcr)
        assert unicef.get(f"/api/v1/alerts/{alert['id']}").status_code == 404
        assert unicef.get(f"/api/v1/alerts/{alert['id']}/timeline").status_code == 404
        assert (
            unicef.patch(f"/api/v1/alerts/{alert['id']}", json={"severity": 5}).status_code == 404
        )
        assert all_items(unicef, "/api/v1/alerts") == []

    def test_a_draft_is_its_source_organisations_alone(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        alert = create(hcr)
        assert ocha.get(f"/api/v1/alerts/{alert['id']}").status_code == 404

    def test_an_analyst_of_the_source_organisation_reads_it_restricted(
        self, hcr: TestClient, client_as: Callable[..., TestClient]
    ) -> None:
        """The full view is the source organisation's recorders' and the reviewers': an analyst
        of UNHCR reads UNHCR's alert as any analyst does (the survivor `sees_everything` with
        `own or sees_sources`, which gave it the narrative)."""
        alert = shared(hcr)
        view = client_as(Role.analyst, "HCR").get(f"/api/v1/alerts/{alert['id']}").json()
        assert view["id"] == alert["id"]
        assert not set(HIDDEN) & set(view)
        assert hcr.get(f"/api/v1/alerts/{alert['id']}").json()["narrative"] == NARRATIVE

    def test_analysts_never_receive_the_narrative_or_the_source(
        self, hcr: TestClient, ocha: TestClient, analyst: TestClient
    ) -> None:
        alert = shared(hcr, severity=4)
        step(ocha, alert["id"], "acknowledged", on="2021-05-04", note=f"note {NARRATIVE}")
        responses = [
            analyst.get(f"/api/v1/alerts/{alert['id']}"),
            analyst.get("/api/v1/alerts"),
            analyst.get(f"/api/v1/alerts/{alert['id']}/timeline"),
            analyst.get("/api/v1/alerts", params={"zone": "liptako_gourma", "min_severity": 4}),
        ]
        for response in responses:
            assert response.status_code == 200
            assert "MARKER" not in response.text
            assert "HCR" not in response.text
            assert "hcr-gao" not in response.text
        view = responses[0].json()
        assert not set(HIDDEN) & set(view)
        assert view["escalation_recommended"] is True
        assert (
            analyst.get("/api/v1/alerts", params={"source_organisation": "HCR"}).status_code == 403
        )

    def test_the_secretariats_read_of_a_narrative_is_audited(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        alert = shared(hcr)
        assert ocha.get(f"/api/v1/alerts/{alert['id']}").json()["narrative"] == NARRATIVE
        events = ocha.get("/api/v1/audit-events", params={"action": "alert.read_restricted"}).json()
        assert [e["entity_id"] for e in events["items"]] == [str(alert["id"])]


class TestRefusedInput:
    """Input the schema refuses, found by schema fuzzing to be accepted or to break the server."""

    def test_an_id_beyond_the_id_column_is_invalid_not_a_server_error(
        self, ocha: TestClient
    ) -> None:
        # Found by schema fuzzing: the driver overflowed on such ids (500).
        assert ocha.get(f"/api/v1/alerts/{MAX_ID}").status_code == 404
        for too_large in (MAX_ID + 1, 10**20):
            for response in (
                ocha.get(f"/api/v1/alerts/{too_large}"),
                ocha.get(f"/api/v1/alerts/{too_large}/timeline"),
                ocha.post(f"/api/v1/alerts/{too_large}/transitions", json={"to": "shared"}),
            ):
                assert response.status_code == 422, response.url
                assert response.json()["errors"][0]["field"] == "alert_id"

    def test_counts_are_json_integers_not_booleans_or_strings(self, hcr: TestClient) -> None:
        # Found by schema fuzzing: `"affected_people": false` was stored as 0 (201).
        for field, value in (
            ("affected_people", False),
            ("affected_people", "120"),
            ("severity", True),
            ("severity", "4"),
        ):
            response = hcr.post("/api/v1/alerts", json=alert_body(**{field: value}))
            assert response.status_code == 422, (field, value)
            assert response.json()["errors"][0]["field"] == field
        alert = create(hcr)
        response = hcr.patch(f"/api/v1/alerts/{alert['id']}", json={"affected_people": True})
        assert response.status_code == 422

    def test_dates_are_iso_8601_not_a_bare_number(self, hcr: TestClient) -> None:
        # Found by schema fuzzing: `"occurred_on": 0` was stored as 1970-01-01 (201).
        for field in ("occurred_on", "reported_on"):
            response = hcr.post("/api/v1/alerts", json=alert_body(**{field: 0}))
            assert response.status_code == 422, field
            assert response.json()["errors"][0]["field"] == field
        alert = create(hcr)
        moved = hcr.post(
            f"/api/v1/alerts/{alert['id']}/transitions", json={"to": "shared", "on": 0}
        )
        assert moved.status_code == 422


class TestDuplicates:
    def test_listed_without_restricted_fields(self, hcr: TestClient, unicef: TestClient) -> None:
        theirs = shared(unicef, occurred_on="2021-05-05", reported_on="2021-05-05")
        shared(unicef, occurred_on="2021-05-12", reported_on="2021-05-12")  # 10 days: not listed
        mine = create(hcr, occurred_on="2021-05-02", reported_on="2021-05-03")
        duplicates = mine["possible_duplicates"]
        assert [d["id"] for d in duplicates] == [theirs["id"]]
        assert set(duplicates[0]) == {"id", "kind", "category", "location", "occurred_on",
                                      "severity", "status"}  # fmt: skip
        assert "MARKER" not in str(mine["possible_duplicates"])

    def test_a_page_lists_each_alerts_duplicates_within_7_days_in_id_order(
        self, hcr: TestClient
    ) -> None:
        """Five alerts of one category and cercle in May 2021, created out of date order, and one
        of another category: each alert's possible duplicates, worked out by hand, are those of
        its pair at 7 days or less, by id."""
        days = {"C": 9, "A": 1, "E": 27, "B": 3, "D": 20}  # created in this order
        ids = {}
        for name, day in days.items():
            on = f"2021-05-{day:02d}"
            ids[name] = create(hcr, location="ML0702", occurred_on=on, reported_on=on)["id"]
        other = create(hcr, location="ML0702", category="abduction", occurred_on="2021-05-02")
        page = {a["id"]: a for a in all_items(hcr, "/api/v1/alerts", location="ML0702")}
        found = {name: [d["id"] for d in page[ids[name]]["possible_duplicates"]] for name in days}
        # A(1)-B(3) 2 days, B(3)-C(9) 6, C(9)-D(20) 11, D(20)-E(27) 7 (the limit), A(1)-C(9) 8.
        assert found == {
            "A": [ids["B"]],
            "B": [ids["C"], ids["A"]],  # C was created first
            "C": [ids["B"]],
            "D": [ids["E"]],
            "E": [ids["D"]],
        }
        assert page[other["id"]]["possible_duplicates"] == []


class TestFiltersAndEdits:
    def test_filters(self, hcr: TestClient, ocha: TestClient) -> None:
        shared(hcr, location="ML0702", severity=4)
        shared(hcr, location="ML0901", category="abduction")
        create(hcr, kind="ehp_referral")
        assert len(all_items(ocha, "/api/v1/alerts", location="ML07")) == 1
        assert len(all_items(ocha, "/api/v1/alerts", zone="other")) == 1
        assert len(all_items(ocha, "/api/v1/alerts", period="2021Q2")) == 2
        assert all_items(ocha, "/api/v1/alerts", period="2021Q3") == []
        assert len(all_items(ocha, "/api/v1/alerts", escalation_recommended="true")) == 1
        assert len(all_items(ocha, "/api/v1/alerts", source_organisation="HCR")) == 2
        assert len(all_items(hcr, "/api/v1/alerts", kind="ehp_referral")) == 1

    def test_an_unknown_code_is_a_422_naming_the_filter(self, ocha: TestClient) -> None:
        for field, code in (("location", "ML9999"), ("source_organisation", "NOPE")):
            response = ocha.get("/api/v1/alerts", params={field: code})
            assert response.status_code == 422, response.text
            [error] = response.json()["errors"]
            assert (error["field"], error["code"]) == (field, "unknown_code")

    def test_correcting_the_5w_judges_the_triggers_again(self, hcr: TestClient) -> None:
        alert = create(hcr)
        updated = hcr.patch(
            f"/api/v1/alerts/{alert['id']}", json={"severity": 5, "location": "ML0901"}
        )
        assert updated.json()["escalation_recommended"] is True
        assert updated.json()["liptako_gourma"] is False
