"""The OpenAPI document under test and how hard to fuzz it, from the environment.

`make test` keeps the defaults (a few minutes per database); `make fuzz` raises them.
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.schemas import OpenApiSchema

from ehp_api.core.config import Settings
from ehp_api.main import create_app

# Examples generated per operation (each sent with every role's credentials and with none).
EXAMPLES = int(os.environ.get("EHP_FUZZ_EXAMPLES", "3"))
# Schemathesis' coverage phase: boundary values and invalid types for every parameter. Thorough,
# and slow: several dozen requests per operation whatever EXAMPLES says.
COVERAGE = os.environ.get("EHP_FUZZ_COVERAGE", "0") == "1"
# Stateful runs: scenarios per role and the most calls in one scenario.
SCENARIOS = int(os.environ.get("EHP_FUZZ_SCENARIOS", "2"))
STEPS = int(os.environ.get("EHP_FUZZ_STEPS", "8"))

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Fixtures are per test on purpose (the rolled-back session); slow or filtered data is expected.
    suppress_health_check=list(HealthCheck),
    # Fixed examples: `make test` explores the same cases on every run, and a failure reproduces.
    derandomize=os.environ.get("EHP_FUZZ_RANDOM", "0") != "1",
)


def load() -> OpenApiSchema:
    """The app's own document; the settings only matter for requests, which go elsewhere."""
    document = create_app(Settings(environment="test", _env_file=None)).openapi()
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
    return schemathesis.openapi.from_dict(document, config=config)
