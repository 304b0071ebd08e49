"""What every answer to bad input must be, and the strategies that make bad input."""

from typing import Any

from httpx import Response
from hypothesis import settings
from hypothesis import strategies as st

PROBLEM = "application/problem+json"
PLAN_PERIODS = frozenset(
    [str(y) for y in (2020, 2021, 2022)]
    + [f"{y}Q{q}" for y in (2020, 2021, 2022) for q in (1, 2, 3, 4)]
)


def http_settings() -> settings:
    """Through HTTP each example costs a request: a quarter of the profile's examples."""
    return settings(max_examples=max(10, settings().max_examples // 4))


def assert_answer(response: Response, *ok: int) -> dict[str, Any]:
    """One of the expected successes, or a 4xx problem document that says what is wrong and
    where; never a 500."""
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code in ok:
        return body
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == PROBLEM
    assert body["status"] == response.status_code
    assert body["detail"].strip()
    if response.status_code == 422:
        named = body.get("errors") or body.get("summary", {}).get("conflicts")
        assert named, body
        for item in named:
            assert item["field"].strip(), item
            assert item["code"].strip(), item
            assert (item.get("reason") or item.get("message") or "").strip(), item
    return body


# Values a JSON body may hold, nested a little.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)

# Period codes: the plan's, well-formed ones outside it, near misses, other scripts' digits, junk.
periods = st.one_of(
    st.sampled_from(sorted(PLAN_PERIODS)),
    st.from_regex(r"\A[0-9]{4}(Q[1-4])?\Z"),
    st.builds(
        "{}{}".format,
        st.integers(min_value=-99999, max_value=99999),
        st.sampled_from(
            ["", "Q0", "Q5", "q2", "Q", "Q12", "-Q1", " Q1", "Q1 ", "Q1\n", "T2", "S1"]
        ),
    ),
    st.text(alphabet=st.characters(categories=["Nd"]), min_size=4, max_size=6),
    st.text(max_size=12),
)

# P-codes: Mali's shape (some seeded, most not), other countries, lower case, padding, junk.
pcodes = st.one_of(
    st.from_regex(r"\AML[0-9]{2}([0-9]{2})?\Z"),
    st.sampled_from(["ML07", "ML0701", "ML05", "ML0506", "ml07", "ML7", "ML07 ", " ML07", "BF46"]),
    st.from_regex(r"\A[A-Z]{2}[0-9]{1,6}\Z"),
    st.text(max_size=16),
)


def path_segment(text: str) -> bool:
    """A text that stays one path segment once quoted (clients resolve `.` and `..`)."""
    return text not in ("", ".", "..")
