"""`Idempotency-Key` on the POSTs that create records: one dependency, `idempotent(operation)`.

A create handler declares the dependency and passes `once()` what identifies the request and the
work to do: the work runs once per key, and a retry gets the stored answer with the header
`Idempotent-Replayed: true` (the keys themselves: `ehp_api.web.idempotency_keys`).

An answer holding something shown once (an API key's secret, a complaint's follow-up code) is
never stored in clear: it is sealed when the operation has a keyed sealer, else stored without
that field, and a retry gets a 409 naming what was created instead of a replay.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Protocol

import orjson
from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from ehp_api.core.db import SessionDep
from ehp_api.core.errors import PROBLEM_MEDIA_TYPE, problem_response
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.web.idempotency_keys import (
    KEY_HEADER,
    MAX_KEY_LENGTH,
    IdempotencyKey,
    Storage,
    check_key,
    claim,
    request_hash,
    scope_of,
    store,
)

REPLAYED_HEADER = "Idempotent-Replayed"
KEY_HELP = (
    "Send a new key (1 to 200 characters, e.g. a UUID) with each new request, and the same key "
    "when you retry it: it runs once, and a retry gets the stored answer (header "
    "`Idempotent-Replayed: true`) for EHP_IDEMPOTENCY_TTL_HOURS. Keys belong to one caller and "
    "one operation; the same key with another body is a 422."
)
# Documented bounds; `claim` checks them, so that a refusal has its own code.
KEY_PARAMETER = Header(
    alias=KEY_HEADER,
    description=KEY_HELP,
    json_schema_extra={"minLength": 1, "maxLength": MAX_KEY_LENGTH},
)
REPLAYED_HELP = "`true` when this is the stored answer of an earlier request with the same key."

Answer = tuple[int, Any]
"""A status and a JSON body (a dict, a list, or a pydantic model)."""


class Sealer(Protocol):
    """Encrypts a stored answer (complaints use their identity cipher, EHP_ENCRYPTION_KEY)."""

    @property
    def keyed(self) -> bool: ...

    def seal(self, value: dict[str, Any]) -> str: ...

    def open(self, token: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ShownOnce:
    """A field of an operation's answer that is shown once and never stored in clear."""

    field: str
    advice: str  # what the caller can do when the answer cannot be replayed (English, N_)


def render(status: int, body: Any, replayed: bool = False) -> Response:
    # orjson: a 10,000-row batch summary encodes several times faster than with the json module.
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    media_type = PROBLEM_MEDIA_TYPE if status >= 400 else "application/json"
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def _as_sent(value: Any) -> Any:
    # What the caller sent, not what defaults filled in: for some fields (a complaint's
    # `sensitive`) leaving a field out means something else than sending its default.
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return value


@dataclass
class Idempotency:
    """The `Idempotency-Key` of one create request; see `idempotent`."""

    request: Request
    session: Session
    operation: str
    key: str | None
    shown_once: ShownOnce | None = None
    sealer: Sealer | None = None

    def once(self, identity: Any, work: Callable[[], Answer], *, enabled: bool = True) -> Response:
        """The answer of `work()`, or, for a retry, the stored answer of the first request.

        `identity`: what makes two requests the same (the body; a tuple for several parts)."""
        if self.key is not None:
            check_key(self.key)  # a malformed key is refused even where it has no use (dry runs)
        if self.key is None or not enabled:
            status, body = work()
            return render(status, _plain(body))
        parts = identity if isinstance(identity, tuple) else (identity,)
        digest = request_hash(*map(_as_sent, parts))
        ttl = timedelta(hours=self.request.app.state.settings.idempotency_ttl_hours)
        scope = scope_of(self._principal(), self.operation)
        stored = claim(self.session, scope, self.key, digest, ttl)
        if stored is not None:
            return self._replay(stored)
        status, body = work()
        body = _plain(body)
        store(self.session, scope, self.key, status, *self._kept(body))
        return render(status, body)

    def _principal(self) -> Principal:
        principal = getattr(self.request.state, "principal", None)
        if principal is None:
            raise RuntimeError("an idempotent operation needs an authenticated caller")
        return principal

    def _kept(self, body: Any) -> tuple[Any, Storage]:
        field = self.shown_once.field if self.shown_once else None
        if field is None or not isinstance(body, dict) or body.get(field) is None:
            return body, Storage.plain
        if self.sealer is not None and self.sealer.keyed:
            return self.sealer.seal(body), Storage.sealed
        return {k: v for k, v in body.items() if k != field}, Storage.withheld

    def _replay(self, stored: IdempotencyKey) -> Response:
        if stored.response_storage == Storage.sealed:
            assert self.sealer is not None, "sealed answers come from operations with a sealer"
            body = self.sealer.open(stored.response_body)
            return render(stored.response_status, body, replayed=True)
        if stored.response_storage == Storage.plain:
            return render(stored.response_status, stored.response_body, replayed=True)
        assert self.shown_once is not None, "withheld answers come from operations with secrets"
        detail = tr(
            "The request with the {KEY_HEADER} {key!r} already succeeded; what "
            "it created is in `created`. Its answer held a `{field}`, which is "
            "shown once and never kept, so it cannot be replayed. {advice}",
            KEY_HEADER=KEY_HEADER,
            key=self.key,
            field=self.shown_once.field,
            advice=tr(self.shown_once.advice),
        )
        return problem_response(
            self.request,
            409,
            detail,
            slug="already-created",
            headers={REPLAYED_HEADER: "true"},
            extra={"created": stored.response_body},
        )


async def _no_sealer() -> None:  # async: no turn of the thread pool for nothing
    return None


def idempotent(
    operation: str,
    shown_once: ShownOnce | None = None,
    sealer: Callable[..., Sealer] | None = None,
) -> Any:
    """The dependency of a create operation: reads (and documents) its `Idempotency-Key`.

    `operation` names the operation in the keys' scope; `shown_once`, a field of its answer never
    stored in clear; `sealer`, a dependency giving what encrypts such answers for replay."""

    async def dependency(  # async: it only keeps what `once` will need
        request: Request,
        session: SessionDep,
        seal: Annotated[Sealer | None, Depends(sealer or _no_sealer)],
        key: Annotated[str | None, KEY_PARAMETER] = None,
    ) -> Idempotency:
        return Idempotency(request, session, operation, key, shown_once, seal)

    return Depends(dependency)
