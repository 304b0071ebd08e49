"""The rules every figure built from complaints takes from `complaints.policy`, and the sealing of
identities, each checked on the values it decides (the mutation pass of `complaints` found them
held by no test of this folder: `docs/mutation.md`).

Four complaints: two ordinary ones, one marked sensitive, and one SEA allegation that a legacy
row left unmarked (`sensitive` false: "both are said, in case one was not"). By hand, for a
reader outside the PSEA network: counted 2 (the ordinary ones), counted apart 1 (the sensitive
one, never the SEA allegation); for a PSEA focal point: counted 4, counted apart 1 (the
sensitive one; the unmarked SEA allegation is not `sensitive`).
"""

import json
import re
from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, update
from sqlmodel import Session, select

from ehp_api.complaints import policy
from ehp_api.complaints.identity import IdentityCipher, new_follow_up_code
from ehp_api.complaints.models import Complaint
from ehp_api.core.errors import ServiceUnavailable
from ehp_api.core.permissions import Role
from ehp_api.core.principal import PrincipalKind, for_role
from tests.complaints.conftest import create


@pytest.fixture
def four(client_as: Callable[..., TestClient], session: Session) -> None:
    secretariat = client_as(Role.secretariat, "OCHA")
    create(secretariat)
    create(secretariat)
    create(secretariat, sensitive=True)
    sea = create(secretariat, category="sea_allegation")
    # A row of before the rule that SEA is always confidential.
    session.execute(update(Complaint).where(Complaint.id == sea["id"]).values(sensitive=False))
    session.flush()


def count(session: Session, condition: object) -> int:
    return session.exec(select(func.count()).select_from(Complaint).where(condition)).one()


def test_outside_the_psea_network_only_ordinary_complaints_are_counted(
    four: None, session: Session
) -> None:
    assert count(session, policy.counted(with_sea=False)) == 2
    assert count(session, policy.counted(with_sea=True)) == 4


def test_the_confidential_count_holds_no_sea_allegation_outside_the_psea_network(
    four: None, session: Session
) -> None:
    assert count(session, policy.counted_apart(with_sea=False)) == 1
    assert count(session, policy.counted_apart(with_sea=True)) == 1
    session.execute(update(Complaint).values(sensitive=True))
    # Every one of the four marked: outside the network, the SEA allegation still is not counted.
    assert count(session, policy.counted_apart(with_sea=False)) == 3
    assert count(session, policy.counted_apart(with_sea=True)) == 4


@pytest.mark.parametrize(
    ("code", "from_complaints", "with_sea", "expected"),
    [
        ("3.2.1.5", True, False, [policy.EXCLUDES_SEA, policy.EXCLUDES_CONFIDENTIAL]),
        ("3.2.2.2", True, False, [policy.PSEA_ONLY_FLAG]),
        ("3.2.1.5", True, True, []),
        ("3.2.2.2", True, True, []),
        ("1.3.2.1", False, False, []),
        ("1.3.2.1", False, True, []),
    ],
)
def test_the_flags_of_a_figure(
    code: str, from_complaints: bool, with_sea: bool, expected: list[str]
) -> None:
    assert policy.flags(code, from_complaints, with_sea) == expected


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.psea_focal_point, True),
        (Role.secretariat, False),
        (Role.partner, False),
        (Role.analyst, False),
    ],
)
def test_only_psea_focal_points_learn_of_sea_allegations(role: Role, sees: bool) -> None:
    principal = for_role(PrincipalKind.api_key, 1, "k", 1, "UNFPA", role)
    assert policy.sees_sea(principal) is sees


def test_without_a_key_nothing_is_sealed_or_opened_and_the_operator_is_told_why() -> None:
    cipher = IdentityCipher(None)
    for attempt in (lambda: cipher.seal({"name": "A"}), lambda: cipher.open("token")):
        with pytest.raises(ServiceUnavailable) as refused:
            attempt()
        assert refused.value.detail == (
            "Complainant identity cannot be stored or read: the service has no encryption key "
            "(EHP_ENCRYPTION_KEY). Record the complaint as anonymous, or ask the administrator "
            "to set the key."
        )


def test_a_token_of_another_key_is_refused_naming_no_value() -> None:
    sealed = IdentityCipher(SecretStr(Fernet.generate_key().decode())).seal({"name": "Awa"})
    with pytest.raises(ServiceUnavailable) as refused:
        IdentityCipher(SecretStr(Fernet.generate_key().decode())).open(sealed)
    assert refused.value.detail == (
        "The complainant's identity cannot be decrypted with any configured key."
    )


def test_an_identity_is_sealed_as_compact_utf8_json() -> None:
    """One token of the smallest JSON: no spaces, accents as UTF-8 (a token's length follows
    its payload's)."""
    key = Fernet.generate_key()
    sealed = IdentityCipher(SecretStr(key.decode())).seal({"name": "Sévaré", "phone": "1"})
    payload = Fernet(key).decrypt(sealed.encode("ascii"))
    assert payload == '{"name":"Sévaré","phone":"1"}'.encode()
    assert json.loads(payload) == {"name": "Sévaré", "phone": "1"}


def test_a_follow_up_code_is_sixteen_independent_symbols() -> None:
    """Four groups of four, none a copy of another's symbols shifted by one (80 random bits, not
    the 28 of four overlapping windows of seven symbols)."""
    codes = [new_follow_up_code() for _ in range(50)]
    assert all(re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", c) for c in codes)
    assert not all(code[5:8] == code[1:4] for code in codes)
    assert len(set(codes)) == 50
