"""The command line's principal: the operator's account name in the audit log, every permission.

Written for the survivors of `make mutate TARGETS=permissions` (2026-12-05): the operator's name
taken as None or changed, the fallback name changed, the permissions dropped; no test read them.
"""

import getpass

import pytest

from ehp_api.core.permissions import Permission
from ehp_api.core.principal import PrincipalKind, system_principal


def test_the_command_line_acts_under_the_operators_account_with_every_permission(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "amadou.diallo")
    principal = system_principal()
    assert principal.kind == PrincipalKind.system
    assert principal.name == "cli:amadou.diallo"
    assert (principal.id, principal.organisation_id, principal.role) == (None, None, None)
    assert principal.permissions == frozenset(Permission)
    assert all(principal.can(permission) for permission in Permission)


def test_an_operator_without_an_account_name_is_recorded_as_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_account() -> str:
        raise OSError("no user name for this uid")

    monkeypatch.setattr(getpass, "getuser", no_account)
    assert system_principal().name == "cli:unknown"
