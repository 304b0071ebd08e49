"""What every fuzzed response must satisfy: schemathesis' built-in checks and one of our own."""

import schemathesis
from schemathesis import CheckContext, CheckFunction, Response
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ehp_api.errors import PROBLEM_MEDIA_TYPE

# RFC 9457 members that every problem of this API carries (README, "API conventions").
_PROBLEM_MEMBERS = {"type": str, "title": str, "status": int, "detail": str}


@schemathesis.check
def problem_details(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error response is an RFC 9457 problem document whose status is the response's."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    media_type = content_type.split(";")[0].strip()
    assert media_type == PROBLEM_MEDIA_TYPE, (
        f"a {response.status_code} answered with {media_type or 'no content type'}, "
        f"not {PROBLEM_MEDIA_TYPE}"
    )
    body = response.json()
    assert isinstance(body, dict), "a problem document is a JSON object"
    for member, kind in _PROBLEM_MEMBERS.items():
        assert isinstance(body.get(member), kind), (
            f"the problem's {member!r} is missing or not a {kind.__name__}"
        )
    assert body["status"] == response.status_code, (
        f"the problem's status {body['status']} is not the response's {response.status_code}"
    )
    return True


CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    # Data that breaks the documented schema must be refused (4xx), never stored.
    negative_data_rejection,
    problem_details,
]
