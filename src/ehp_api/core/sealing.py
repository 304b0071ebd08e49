"""The service's one keyring, `EHP_ENCRYPTION_KEY`, for what is kept sealed at rest: complainants'
identities and the answers kept for their retries (`complaints.identity`), and the secrets that
sign webhooks (`notifications.secrets`).

A token is Fernet: encrypted and authenticated (AES-128-CBC + HMAC-SHA256). The setting may list
several keys (MultiFernet): the first seals, every one opens, so a new key is put first,
`ehp-api rotate-encryption-key` seals again every `Sealed` place (`complaints.rotation`), and the
old key can then go. Nothing here puts a value, or a key, in an exception message.

The lines naming the `"ascii"` codec carry `# pragma: no mutate`: codec names are
case-insensitive, so the mutant `"ASCII"` is the same program (docs/mutation.md).
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr
from sqlalchemy import Column, ColumnElement, Table

from ehp_api.core.config import split_keys


class KeyMissing(Exception):
    """No key is configured: nothing is sealed or opened (never stored in clear instead)."""


class Unopenable(Exception):
    """A token no configured key opens: the key that sealed it is missing."""


class Keyring:
    """Seals and opens tokens with the keys of `EHP_ENCRYPTION_KEY`."""

    def __init__(self, key: SecretStr | None) -> None:
        self._fernet = _fernet(key.get_secret_value()) if key is not None else None
        self._first = _first(key.get_secret_value()) if key is not None else None

    @property
    def keyed(self) -> bool:
        """Whether a key is configured."""
        return self._fernet is not None

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise KeyMissing
        return self._fernet

    def seal(self, data: bytes) -> str:
        token = self._require().encrypt(data)
        return token.decode("ascii")  # pragma: no mutate

    def open(self, token: str) -> bytes:
        try:
            raw = token.encode("ascii")  # pragma: no mutate
            return self._require().decrypt(raw)
        except InvalidToken:
            raise Unopenable from None

    def sealed_with_first_key(self, token: str) -> bool:
        """Whether the first key (the one that seals) opens `token`: it needs no rotation."""
        if self._first is None:
            return False
        try:
            raw = token.encode("ascii")  # pragma: no mutate
            self._first.decrypt(raw)
        except InvalidToken:
            return False
        return True

    def reseal(self, token: str) -> str:
        """`token` sealed again with the first key (it may have been sealed with any)."""
        try:
            raw = token.encode("ascii")  # pragma: no mutate
            return self._require().rotate(raw).decode("ascii")  # pragma: no mutate
        except InvalidToken:
            raise Unopenable from None


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet(
        [Fernet(key.encode("ascii")) for key in split_keys(keys)]  # pragma: no mutate
    )


@lru_cache(maxsize=4)
def _first(keys: str) -> Fernet:
    first = split_keys(keys)[0]
    return Fernet(first.encode("ascii"))  # pragma: no mutate


@dataclass(frozen=True)
class Sealed:
    """Where tokens live, for the key rotation: a table, the columns that order it, the token's
    column, and which rows hold a token."""

    name: str
    table: Table
    keys: tuple[Column[Any], ...]
    token: Column[Any]
    where: ColumnElement[bool]
