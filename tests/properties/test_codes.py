"""Periods and P-codes, whatever their spelling: the rules and the API accept the plan's own,
and refuse every other one with a problem naming the field, never a 500."""

import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ehp_api.core.principal import Principal
from ehp_api.readings import rules
from ehp_api.readings.lookups import Lookups
from tests.properties.checks import (
    PLAN_PERIODS,
    assert_answer,
    http_settings,
    path_segment,
    pcodes,
    periods,
)

_WELL_FORMED = re.compile(r"[0-9]{4}(Q[1-4])?")


class TestPeriodRules:
    @given(period=periods | st.integers() | st.none() | st.lists(st.text(), max_size=2))
    def test_a_reading_takes_only_a_period_of_the_plan(
        self, lookups: Lookups, partner: Principal, period: object
    ) -> None:
        row = {"indicator": "1.1.1.1", "period": period, "value": 1}
        prepared, conflicts = rules.prepare(lookups, partner, [row])
        if isinstance(period, str) and period in PLAN_PERIODS:
            assert [c.field for c in conflicts] == []
            assert len(prepared) == 1
            return
        assert prepared == []
        [conflict] = conflicts
        assert conflict.field == "period"
        assert conflict.message
        if isinstance(period, str) and _WELL_FORMED.fullmatch(period):
            assert conflict.code == "period_outside_plan"

    @given(code=periods)
    def test_check_period_knows_exactly_the_plan(self, lookups: Lookups, code: str) -> None:
        if code in PLAN_PERIODS:
            assert rules.check_period(lookups, code).code == code
            return
        with pytest.raises(rules.RowRefused) as caught:
            rules.check_period(lookups, code)
        assert (caught.value.field, caught.value.code) == ("period", "period_outside_plan")
        assert code in caught.value.message


class TestPcodeRules:
    @given(pcode=pcodes | st.integers() | st.lists(st.text(), max_size=2))
    def test_a_reading_takes_only_a_known_pcode(
        self, lookups: Lookups, partner: Principal, pcode: object
    ) -> None:
        row = {"indicator": "1.1.1.1", "period": "2021Q2", "value": 1, "location": pcode}
        prepared, conflicts = rules.prepare(lookups, partner, [row])
        if isinstance(pcode, str) and pcode in lookups.locations:
            assert conflicts == []
            assert len(prepared) == 1
            return
        [conflict] = conflicts
        assert conflict.field in ("location", "disaggregation.zone"), conflict
        assert conflict.code in ("unknown_location", "string_too_long", "string_type")


class TestThroughTheApi:
    @http_settings()
    @given(code=periods.filter(path_segment))
    def test_get_period(self, client: TestClient, code: str) -> None:
        response = client.get(f"/api/v1/periods/{quote(code, safe='')}")
        body = assert_answer(response, 200)
        assert (response.status_code == 200) == (code in PLAN_PERIODS)
        if response.status_code == 200:
            assert body["code"] == code
        elif response.status_code == 422:
            error = body["errors"][0]
            if "\x00" in code:  # refused before routing: the error names the path (docs/api.md)
                assert (error["location"], error["code"]) == ("path", "nul_character")
            else:
                assert (error["location"], error["field"]) == ("path", "code")

    @http_settings()
    @given(
        code=periods,
        route=st.sampled_from(
            [
                ("/api/v1/activities", "planned_in"),
                ("/api/v1/indicators", "planned_in"),
                ("/api/v1/readings", "period"),
                ("/api/v1/complaints", "period"),
            ]
        ),
    )
    def test_period_filters(self, ocha: TestClient, code: str, route: tuple[str, str]) -> None:
        path, name = route
        response = ocha.get(path, params={name: code})
        body = assert_answer(response, 200)
        # Every list alike: a period outside the plan (or not a period at all) is a 422.
        assert (response.status_code == 200) == (code in PLAN_PERIODS)
        if response.status_code != 200:
            assert response.status_code == 422
            assert (body["errors"][0]["location"], body["errors"][0]["field"]) == ("query", name)

    @http_settings()
    @given(pcode=pcodes.filter(path_segment))
    def test_get_location(self, client: TestClient, lookups: Lookups, pcode: str) -> None:
        response = client.get(f"/api/v1/locations/{quote(pcode, safe='')}")
        body = assert_answer(response, 200)
        assert (response.status_code == 200) == (pcode in lookups.locations)
        if response.status_code == 200:
            assert body["pcode"] == pcode

    @http_settings()
    @given(pcode=pcodes)
    def test_location_filters(self, ocha: TestClient, lookups: Lookups, pcode: str) -> None:
        for path, name in [("/api/v1/locations", "parent"), ("/api/v1/readings", "location")]:
            response = ocha.get(path, params={name: pcode})
            body = assert_answer(response, 200)
            assert (response.status_code == 200) == (pcode in lookups.locations)
            if response.status_code != 200:
                assert response.status_code == 422, body
                assert (body["errors"][0]["location"], body["errors"][0]["field"]) == (
                    "query",
                    name,
                )
