"""Hypothesis profiles: `quick` by default (the whole set adds well under a minute per
database), `long` (HYPOTHESIS_PROFILE=long) for a thorough run before a release."""

import os

import pytest
from hypothesis import HealthCheck, settings
from sqlmodel import Session

from ehp_api.core.permissions import Role
from ehp_api.core.principal import Principal, PrincipalKind, for_role
from ehp_api.readings import lookups as lookups_module
from ehp_api.readings.lookups import Lookups

# The database fixtures are per test, not per example, on purpose: every example runs in the
# test's transaction, and each property checks the row counts before and after its request.
_SHARED = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}
settings.register_profile("quick", max_examples=40, **_SHARED)
settings.register_profile("long", max_examples=1000, **_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture
def lookups(session: Session) -> Lookups:
    return lookups_module.load(session)


@pytest.fixture
def partner(lookups: Lookups) -> Principal:
    """UNHCR's API key, as the readings rules see it."""
    hcr = lookups.organisations["HCR"]
    return for_role(PrincipalKind.api_key, 1, "hcr-key", hcr, "HCR", Role.partner)
