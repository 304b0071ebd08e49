"""Disaggregation objects and whole batch bodies of any shape: each refusal names its row and
field, an atomic batch is stored whole or not at all, and nothing answers 500."""

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from ehp_api.core.principal import Principal
from ehp_api.indicators.models import MeasureType
from ehp_api.readings import rules
from ehp_api.readings.lookups import Lookups
from ehp_api.readings.models import Reading
from tests.properties.checks import assert_answer, http_settings, json_values, pcodes, periods

CATEGORIES = ["zone", "setting", "participant_sector", "participant_type", "outcome_type"]
OPTIONS = ["liptako_gourma", "other", "field", "office", "humanitarian", "authorities", ""]
CERCLES = ["ML0701", "ML0702", "ML0703", "ML0506", None]

breakdowns = st.one_of(
    st.dictionaries(
        st.sampled_from(CATEGORIES) | st.text(max_size=20),
        st.sampled_from(OPTIONS) | st.text(max_size=20) | json_values,
        max_size=5,
    ),
    json_values,
)


@st.composite
def readings(draw: st.DrawFn, breakdown: st.SearchStrategy[Any] = breakdowns) -> dict[str, Any]:
    """A count reading that is valid but for its breakdown (and, now and then, its location)."""
    row: dict[str, Any] = {"indicator": draw(st.sampled_from(["1.1.1.1", "1.1.1.2"]))}
    row |= {"period": "2021Q2", "value": draw(st.integers(0, 1000))}
    location = draw(st.sampled_from(CERCLES))
    if location is not None:
        row["location"] = location
    value = draw(breakdown)
    if value is not None or draw(st.booleans()):
        row["disaggregation"] = value
    return row


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


class TestDisaggregationRules:
    @given(row=readings())
    def test_a_breakdown_is_kept_only_with_known_categories_and_options(
        self, lookups: Lookups, partner: Principal, row: dict[str, Any]
    ) -> None:
        prepared, conflicts = rules.prepare(lookups, partner, [row])
        indicator = lookups.indicators[row["indicator"]]
        assert indicator.measure == MeasureType.count
        if conflicts:
            assert prepared == []
            for conflict in conflicts:
                assert conflict.rows == [0]
                assert conflict.field.startswith("disaggregation"), conflict
                assert conflict.message
            return
        [item] = prepared
        for category, option in item.values["disaggregation"].items():
            assert option in indicator.categories[category]
        sent = row.get("disaggregation") or {}
        assert set(sent) <= set(item.values["disaggregation"])


class TestBatchesThroughTheApi:
    @http_settings()
    @example(  # the case that showed that NUL refuses the whole request, even in partial mode
        rows=[{"indicator": "1.1.1.1", "period": "2021Q2", "disaggregation": {"zone": "\x00"}}],
        mode="partial",
    )
    @given(
        rows=st.lists(readings(), min_size=1, max_size=8),
        mode=st.sampled_from(["atomic", "partial"]),
    )
    def test_a_batch_of_breakdowns(
        self, hcr: TestClient, session: Session, rows: list[dict[str, Any]], mode: str
    ) -> None:
        before = stored(session)
        response = hcr.post(
            "/api/v1/readings/batch", json={"readings": rows}, params={"mode": mode}
        )
        body = assert_answer(response, 200)
        if "errors" in body:  # a NUL character refuses the request itself, in any mode
            [error] = body["errors"]
            assert (error["code"], error["field"].split(".")[2]) == (
                "nul_character",
                "disaggregation",
            )
            assert stored(session) == before
            return
        summary = body if response.status_code == 200 else body["summary"]
        if response.status_code != 200:
            assert (response.status_code, mode) == (422, "atomic")
            assert stored(session) == before
        else:
            assert stored(session) == before + summary["created"]
        assert summary["total"] == len(rows)
        outcomes = summary["created"] + summary["updated"] + summary["unchanged"]
        assert outcomes + summary["rejected"] + summary["not_stored"] == len(rows)
        for conflict in summary["conflicts"]:
            assert all(0 <= r < len(rows) for r in conflict["rows"])
            assert conflict["field"].startswith(("disaggregation", "reading")), conflict

    @http_settings()
    @given(
        body=st.one_of(
            json_values,
            st.fixed_dictionaries({"readings": json_values}),
            st.fixed_dictionaries(
                {
                    "readings": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "indicator": json_values,
                                "period": periods | json_values,
                                "location": pcodes | json_values,
                                "value": json_values,
                                "numerator": json_values,
                                "denominator": json_values,
                                "comment": json_values,
                                "disaggregation": breakdowns,
                            },
                        ),
                        max_size=5,
                    )
                },
                optional={"extra": json_values},
            ),
        ),
        dry_run=st.booleans(),
    )
    def test_any_body(self, hcr: TestClient, session: Session, body: Any, dry_run: bool) -> None:
        before = stored(session)
        response = hcr.post("/api/v1/readings/batch", json=body, params={"dry_run": dry_run})
        answer = assert_answer(response, 200)
        if response.status_code != 200 or dry_run:
            assert stored(session) == before
        else:
            assert stored(session) == before + answer["created"]
