"""Complainants' identity at rest, and the follow-up codes given to complainants.

Identity (name, phone) is sealed as one Fernet token per complaint: a JSON object encrypted and
authenticated (AES-128-CBC + HMAC-SHA256) with `EHP_ENCRYPTION_KEY`. One token rather than one per
field: the database shows neither which fields were given nor their lengths, and a new field
needs no migration. Nothing here ever puts a value in an exception message.

`EHP_ENCRYPTION_KEY` may list several keys (MultiFernet, `ehp_api.core.sealing`, the keyring that
webhook secrets share): the first seals, every one opens, so a new key is put first,
`ehp-api rotate-encryption-key` reseals what the others sealed (`ehp_api.complaints.rotation`),
and the old key can then go.
"""

import hashlib
import json
import re
import secrets
from typing import Any

from pydantic import SecretStr

from ehp_api.core.errors import ServiceUnavailable
from ehp_api.core.i18n import tr
from ehp_api.core.sealing import Keyring, Unopenable

IDENTITY_FIELDS = ("name", "phone")
# Crockford's base32 without I, L, O, U: read over the phone without ambiguity.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_GROUPS, _GROUP_LENGTH = 4, 4  # 16 symbols, 80 random bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class IdentityCipher:
    """Seals and opens identity tokens; without a key it refuses both, never storing plain text."""

    def __init__(self, key: SecretStr | None) -> None:
        self._keyring = Keyring(key)

    @property
    def keyed(self) -> bool:
        """Whether a key is configured: without one, nothing is sealed or opened."""
        return self._keyring.keyed

    def _require(self) -> Keyring:
        if not self._keyring.keyed:
            raise ServiceUnavailable(
                tr(
                    "Complainant identity cannot be stored or read: the service has no "
                    "encryption key (EHP_ENCRYPTION_KEY). Record the complaint as "
                    "anonymous, or ask the administrator to set the key.",
                )
            )
        return self._keyring

    def seal(self, value: dict[str, Any]) -> str:
        """A token of `value` (identity, or an idempotent answer holding a follow-up code)."""
        payload = json.dumps(
            value,
            separators=(",", ":"),
            # `ensure_ascii=None` is as false as False: that mutant is the same program.
            ensure_ascii=False,  # pragma: no mutate
        ).encode()
        return self._require().seal(payload)

    def open(self, token: str) -> dict[str, Any]:
        try:
            return dict(json.loads(self._require().open(token)))
        except Unopenable:
            raise ServiceUnavailable(
                tr("The complainant's identity cannot be decrypted with any configured key.")
            ) from None

    def sealed_with_first_key(self, token: str) -> bool:
        """Whether the first key (the one that seals) opens `token`: it needs no rotation."""
        return self._keyring.sealed_with_first_key(token)

    def reseal(self, token: str) -> str:
        """`token` sealed again with the first key (it may have been sealed with any)."""
        try:
            return self._require().reseal(token)
        except Unopenable:
            raise ServiceUnavailable(
                tr("A token cannot be decrypted with any configured key (EHP_ENCRYPTION_KEY).")
            ) from None


def new_follow_up_code() -> str:
    """A code like `7KQ2-M9XD-P4RT-0BCA`, shown once to the complainant."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_GROUPS * _GROUP_LENGTH))
    groups = [symbols[i : i + _GROUP_LENGTH] for i in range(0, len(symbols), _GROUP_LENGTH)]
    return "-".join(groups)


def normalise_code(code: str) -> str:
    """The code as stored: upper case, separators dropped, O read as 0 and I, L as 1."""
    return re.sub(r"[^0-9A-Z]", "", code.upper()).translate(_CONFUSABLE)


def hash_code(code: str) -> str:
    # 80 random bits (or a form's uuid) make a fast hash enough, as for API keys: the table does
    # not let anyone recover or enumerate codes.
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
