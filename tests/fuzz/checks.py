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

from ehp_api.core.errors import PROBLEM_MEDIA_TYPE

# RFC 9457 members that every problem of this API carries (docs/api.md, "API conventions").
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


def _rows_reported_in_a_summary(response: Response, case: Case) -> bool:
    # By design (docs/api.md, "Batches"), a batch checks each row itself: with `mode=partial` or
    # `dry_run=true`, a row that breaks the schema is refused in the 200 summary, with the
    # schema's code (`missing`, `int_parsing`...), beside the rows that pass.
    if (case.method.upper(), case.path) != ("POST", "/api/v1/readings/batch"):
        return False
    if response.status_code != 200:
        return False
    summary = response.json()
    return isinstance(summary, dict) and bool(summary.get("rejected"))


@schemathesis.check
def schema_violations_refused(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Data that breaks the documented schema is refused (4xx), never stored, except rows of a
    batch that its summary reports as refused (the one exclusion, see CONTRIBUTING.md, "Schema
    fuzzing")."""
    if _rows_reported_in_a_summary(response, case):
        return None
    return negative_data_rejection(ctx, response, case)


# Refusals that come before the operation's own (a NUL character in the name is refused as such).
_QUERY_REFUSALS = {"unknown_parameter", "nul_character"}


@schemathesis.check
def unknown_query_parameters_refused(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """A query parameter the operation does not document is never ignored (docs/api.md, "API
    conventions"): the request is refused, and a 422 names it. The probes take none and are
    exempt, like the docs."""
    documented = {parameter.name for parameter in case.operation.query}
    # A parameter whose value is None (or an empty list) is not sent at all by the HTTP client.
    sent = {name for name, value in (case.query or {}).items() if value not in (None, [])}
    unknown = sorted(sent - documented)
    if not unknown or not case.operation.path.startswith("/api/v1/"):
        return None
    assert response.status_code >= 400, (
        f"the unknown query parameters {unknown} were ignored: {response.status_code}"
    )
    if response.status_code == 422:
        codes = {error.get("code") for error in response.json().get("errors", [])}
        assert codes & _QUERY_REFUSALS, f"a 422 that does not name the unknown {unknown}"
    return True


CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    schema_violations_refused,
    problem_details,
    unknown_query_parameters_refused,
]
