"""Calls in sequence along the links of the document (create, then read, update, transition)."""

from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import settings
from schemathesis import CheckFunction, Response
from schemathesis.generation.case import Case

from tests.fuzz import schema as fuzz
from tests.fuzz.checks import CHECKS
from tests.fuzz.conftest import CREDENTIALS

schema = fuzz.load()


@pytest.mark.parametrize("role", list(CREDENTIALS))
def test_scenarios(role: str, app: FastAPI, headers_by_role: dict[str, dict[str, str]]) -> None:
    headers = headers_by_role[role]

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"app": app, "headers": headers}

        def validate_response(
            self,
            response: Response,
            case: Case,
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response,
                checks=CHECKS,
                headers=headers,
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    Scenarios.run(
        settings=settings(
            fuzz.HYPOTHESIS, max_examples=fuzz.SCENARIOS, stateful_step_count=fuzz.STEPS
        )
    )
