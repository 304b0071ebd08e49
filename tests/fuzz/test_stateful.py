"""Calls in sequence along the links of the document (create, then read, update, transition)."""

from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import settings
from schemathesis import CheckFunction, Response
from schemathesis.generation.case import Case
from sqlmodel import Session

from tests.fuzz import schema as fuzz
from tests.fuzz.checks import CHECKS
from tests.fuzz.conftest import CREDENTIALS

schema = fuzz.load()


@pytest.mark.parametrize("role", list(CREDENTIALS))
def test_scenarios(
    role: str, app: FastAPI, session: Session, headers_by_role: dict[str, dict[str, str]]
) -> None:
    headers = headers_by_role[role]
    connection = session.get_bind()

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        """Each scenario starts from the same data: its writes are rolled back to a savepoint
        when it ends. Otherwise which calls a scenario can make depends on the scenarios before
        it, and Hypothesis, replaying a failure to shrink it, stops with FlakyStrategyDefinition
        instead of reporting the failure."""

        def setup(self) -> None:
            session.rollback()
            self.savepoint = connection.begin_nested()  # type: ignore[union-attr]

        def teardown(self) -> None:
            session.rollback()
            session.expunge_all()
            if self.savepoint.is_active:
                self.savepoint.rollback()

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
