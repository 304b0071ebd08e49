"""Complainants' identity at rest, and the follow-up codes given to complainants.

Identity (name, phone) is sealed as one Fernet token per complaint: a JSON object encrypted and
authenticated (AES-128-CBC + HMAC-SHA256) with `EHP_ENCRYPTION_KEY`. One token rather than one per
field: the database shows neither which fields were given nor their lengths, and a new field
needs no migration. Nothing here ever puts a value in an exception message.

`EHP_ENCRYPTION_KEY` may list several keys (MultiFernet): the first seals, every one opens, so a
new key is put first, `ehp-api rotate-encryption-key` reseals what the others sealed
(`ehp_api.complaints.rotation`), and the old key can then go.
"""

import hashlib
import json
import re
import secrets
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from ehp_api.core.config import split_keys
from ehp_api.core.errors import ServiceUnavailable
from ehp_api.core.i18n import tr

IDENTITY_FIELDS = ("name", "phone")
# Crockford's base32 without I, L, O, U: read over the phone without ambiguity.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_GROUPS, _GROUP_LENGTH = 4, 4  # 16 symbols, 80 random bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class IdentityCipher:
    """Seals and opens identity tokens; without a key it refuses both, never storing plain text."""

    def __init__(self, key: SecretStr | None) -> None:
        self._fernet = _fernet(key.get_secret_value()) if key is not None else None
        self._first = _first(key.get_secret_value()) if key is not None else None

    @property
    def keyed(self) -> bool:
        """Whether a key is configured: without one, nothing is sealed or opened."""
        return self._fernet is not None

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise ServiceUnavailable(
                tr(
                    "Complainant identity cannot be stored or read: the service has no "
                    "encryption key (EHP_ENCRYPTION_KEY). Record the complaint as "
                    "anonymous, or ask the administrator to set the key.",
                )
            )
        return self._fernet

    def seal(self, value: dict[str, Any]) -> str:
        """A token of `value` (identity, or an idempotent answer holding a follow-up code)."""
        payload = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        return self._require().encrypt(payload).decode("ascii")

    def open(self, token: str) -> dict[str, Any]:
        try:
            return dict(json.loads(self._require().decrypt(token.encode("ascii"))))
        except InvalidToken:
            raise ServiceUnavailable(
                tr("The complainant's identity cannot be decrypted with any configured key.")
            ) from None

    def sealed_with_first_key(self, token: str) -> bool:
        """Whether the first key (the one that seals) opens `token`: it needs no rotation."""
        if self._first is None:
            return False
        try:
            self._first.decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def reseal(self, token: str) -> str:
        """`token` sealed again with the first key (it may have been sealed with any)."""
        try:
            return self._require().rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise ServiceUnavailable(
                tr("A token cannot be decrypted with any configured key (EHP_ENCRYPTION_KEY).")
            ) from None


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in split_keys(keys)])


@lru_cache(maxsize=4)
def _first(keys: str) -> Fernet:
    return Fernet(split_keys(keys)[0].encode("ascii"))


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
