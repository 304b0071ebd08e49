"""Every operation of the OpenAPI document, fuzzed with each role's credentials and with none."""

from fastapi import FastAPI
from schemathesis.generation.case import Case

from tests.fuzz import schema as fuzz
from tests.fuzz.checks import CHECKS

schema = fuzz.load()


@schema.parametrize()
@fuzz.HYPOTHESIS
def test_operation(case: Case, app: FastAPI, headers_by_role: dict[str, dict[str, str]]) -> None:
    for role, headers in headers_by_role.items():
        try:
            case.call_and_validate(app=app, headers=headers, checks=CHECKS)
        except BaseException as failure:
            failure.add_note(f"credentials: {role}")
            raise
