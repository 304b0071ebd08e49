"""Trigger rules at their boundaries, versioned, and explained on every alert."""

from fastapi.testclient import TestClient

from tests.alerts.conftest import create, step


def verdict(alert: dict, rule: str) -> dict:
    return next(t for t in alert["triggers"] if t["rule"] == rule)


def submitted(client: TestClient, **overrides: object) -> dict:
    alert = create(client, kind="ehp_referral", **overrides)
    assert (
        step(
            client, alert["id"], "submitted", on=str(overrides.get("reported_on", "2021-05-03"))
        ).status_code
        == 200
    )
    return alert


class TestSeverity:
    def test_severity_3_does_not_fire(self, hcr: TestClient) -> None:
        alert = create(hcr, severity=3)
        assert verdict(alert, "severity") == {
            "rule": "severity", "version": 1, "fired": False,
            "inputs": {"severity": 3, "min_severity": 4},
        }  # fmt: skip
        assert alert["escalation_recommended"] is False

    def test_severity_4_fires(self, hcr: TestClient) -> None:
        alert = create(hcr, severity=4)
        assert verdict(alert, "severity")["fired"] is True
        assert alert["escalation_recommended"] is True


class TestRecurrence:
    def test_two_alerts_in_the_window_do_not_fire_three_do(self, hcr: TestClient) -> None:
        submitted(hcr, occurred_on="2021-05-01", reported_on="2021-05-01")
        second = create(hcr, occurred_on="2021-05-10", reported_on="2021-05-10")
        assert verdict(second, "recurrence")["fired"] is False
        assert verdict(second, "recurrence")["inputs"]["count"] == 2
        submitted(hcr, occurred_on="2021-05-10", reported_on="2021-05-10")
        third = create(hcr, occurred_on="2021-05-20", reported_on="2021-05-20")
        recurrence = verdict(third, "recurrence")
        assert (recurrence["fired"], recurrence["inputs"]["count"]) == (True, 3)
        assert recurrence["inputs"]["window_days"] == 30
        assert third["recurrence"] == 3

    def test_the_31st_day_is_outside_the_window(self, hcr: TestClient) -> None:
        submitted(hcr, occurred_on="2021-04-01", reported_on="2021-04-01")  # 31 days before
        submitted(hcr, occurred_on="2021-04-02", reported_on="2021-04-02")  # 30 days before
        alert = create(hcr, occurred_on="2021-05-02", reported_on="2021-05-02")
        assert verdict(alert, "recurrence")["inputs"]["count"] == 2
        submitted(hcr, occurred_on="2021-04-03", reported_on="2021-04-03")
        assert verdict(
            create(hcr, occurred_on="2021-05-02", reported_on="2021-05-02"), "recurrence"
        )["fired"]

    def test_other_categories_cercles_and_drafts_do_not_count(self, hcr: TestClient) -> None:
        submitted(hcr, category="abduction")
        submitted(hcr, location="ML0702")
        create(hcr)  # a draft
        alert = create(hcr)
        assert verdict(alert, "recurrence")["inputs"]["count"] == 1

    def test_a_region_without_cercle_cannot_recur(self, hcr: TestClient) -> None:
        alert = create(hcr, location="ML07")
        assert verdict(alert, "recurrence")["fired"] is False
        assert verdict(alert, "recurrence")["inputs"]["admin2_known"] is False


class TestRulesAsData:
    def test_a_change_makes_a_new_version_and_old_alerts_keep_theirs(
        self, hcr: TestClient, ocha: TestClient
    ) -> None:
        before = create(hcr, severity=3)
        changed = ocha.patch("/api/v1/trigger-rules/severity", json={"min_severity": 3})
        assert (changed.json()["version"], changed.json()["min_severity"]) == (2, 3)
        after = create(hcr, severity=3)
        assert verdict(after, "severity") == {
            "rule": "severity", "version": 2, "fired": True,
            "inputs": {"severity": 3, "min_severity": 3},
        }  # fmt: skip
        again = hcr.get(f"/api/v1/alerts/{before['id']}").json()
        assert (verdict(again, "severity")["version"], verdict(again, "severity")["fired"]) == (
            1,
            False,
        )
        audit = ocha.get("/api/v1/audit-events", params={"action": "trigger_rule.update"}).json()
        assert audit["items"][0]["entity_id"] == "severity@2"

    def test_a_retired_rule_judges_no_more_alerts(self, hcr: TestClient, ocha: TestClient) -> None:
        ocha.patch("/api/v1/trigger-rules/recurrence", json={"active": False})
        assert [t["rule"] for t in create(hcr)["triggers"]] == ["severity"]

    def test_a_new_rule_needs_its_parameters(self, ocha: TestClient) -> None:
        body = {
            "code": "mass_displacement",
            "kind": "recurrence",
            "description": "x",
            "min_count": 5,
        }
        response = ocha.post("/api/v1/trigger-rules", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "window_days"
        body["window_days"] = 7
        assert ocha.post("/api/v1/trigger-rules", json=body).json()["version"] == 1

    def test_partners_cannot_change_rules(self, hcr: TestClient) -> None:
        assert (
            hcr.patch("/api/v1/trigger-rules/severity", json={"min_severity": 1}).status_code == 403
        )
        assert {r["code"] for r in hcr.get("/api/v1/trigger-rules").json()} == {
            "severity",
            "recurrence",
        }
