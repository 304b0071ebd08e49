"""Key rotation: every token sealed with EHP_ENCRYPTION_KEY (complainants' identities, the kept
answers of `POST /complaints`, and the webhook secrets the command line adds) sealed again with
the first key.

Batch by batch, each in a transaction of its own that locks its rows (FOR UPDATE on PostgreSQL,
the write lock on SQLite), so a request changing one of them waits rather than being
overwritten. A run that is stopped keeps the batches it committed, and the next run passes over
the tokens the first key already opens: it finishes the work, and doing a token twice would only
seal it anew. Each run is audited when it starts and when it ends (counts only, never a key).
"""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, bindparam, true, tuple_, update
from sqlmodel import Session

from ehp_api.audit import service as audit
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.models import Complaint
from ehp_api.core.db import select_row, table_of
from ehp_api.core.errors import ServiceUnavailable
from ehp_api.core.i18n import tr
from ehp_api.core.principal import Principal
from ehp_api.core.sealing import Sealed
from ehp_api.web.idempotency_keys import KEYS, Storage

COMPLAINTS = table_of(Complaint)


class Unreadable(Exception):
    """A token that no configured key opens: the key that sealed it is missing."""


SEALED = (
    Sealed(
        "complaint identities",
        COMPLAINTS,
        (COMPLAINTS.c.id,),
        COMPLAINTS.c.identity_token,
        COMPLAINTS.c.identity_token.is_not(None),
    ),
    Sealed(
        "kept answers",
        KEYS,
        (KEYS.c.scope, KEYS.c.key),
        KEYS.c.response_body,
        KEYS.c.response_storage == Storage.sealed,
    ),
)


@dataclass
class Progress:
    """How far a run is: tokens sealed again, and those the first key already sealed."""

    place: str = ""
    resealed: int = 0
    current: int = 0
    batches: int = 0


def rotate(
    engine: Engine,
    cipher: IdentityCipher,
    actor: Principal,
    batch_size: int,
    progress: Callable[[Progress], None] | None = None,
    places: Sequence[Sealed] = SEALED,
) -> Progress:
    """Seal every token of `places` again with the first key, `batch_size` rows per
    transaction (the command line adds the webhook secrets to the places of this domain)."""
    run = secrets.token_hex(8)
    with Session(engine) as session, session.begin():
        changes = {"batch_size": {"old": None, "new": batch_size}}
        audit.record(session, actor, "identity_key.rotation_start", "identity_key", run, changes)
    state = Progress()
    after: tuple[Any, ...] | None
    for place in places:
        state.place, after = place.name, None
        while True:
            with Session(engine) as session, session.begin():
                after = _batch(session, cipher, place, after, batch_size, state)
            if after is None:
                break
            state.batches += 1
            if progress is not None:
                progress(state)
    with Session(engine) as session, session.begin():
        counts = {"resealed": state.resealed, "already_current": state.current}
        changes = {name: {"old": None, "new": value} for name, value in counts.items()}
        audit.record(session, actor, "identity_key.rotation_end", "identity_key", run, changes)
    return state


def _batch(
    session: Session,
    cipher: IdentityCipher,
    place: Sealed,
    after: tuple[Any, ...] | None,
    size: int,
    state: Progress,
) -> tuple[Any, ...] | None:
    """One batch past `after`; the last row's keys, or None when nothing is left."""
    past = tuple_(*place.keys) > tuple_(*after) if after is not None else true()
    rows = session.execute(
        select_row(*place.keys, place.token)
        .where(place.where, past)
        .order_by(*place.keys)
        .limit(size)
        .with_for_update()
    ).all()
    if not rows:
        return None
    changed = []
    for row in rows:
        *keys, token = row
        if cipher.sealed_with_first_key(token):
            state.current += 1
            continue
        try:
            resealed = cipher.reseal(token)
        except ServiceUnavailable:
            raise Unreadable(
                tr(
                    "{place}: the row {row} opens with no key of EHP_ENCRYPTION_KEY (the key "
                    "that sealed it is missing); nothing of this batch was changed",
                    place=place.name,
                    row=tuple(keys),
                )
            ) from None
        where = {f"b_{column.name}": key for column, key in zip(place.keys, keys, strict=True)}
        changed.append({**where, "b_new": resealed})
    if changed:
        match = and_(*(c == bindparam(f"b_{c.name}") for c in place.keys))
        statement = update(place.table).where(match).values({place.token: bindparam("b_new")})
        session.execute(statement, changed)
        state.resealed += len(changed)
    return tuple(rows[-1][: len(place.keys)])


def unreadable(session: Session, cipher: IdentityCipher) -> int:
    """How many complainants' identities no configured key opens (after a restore: a missing
    key)."""
    tokens: Sequence[str] = session.scalars(
        select_row(COMPLAINTS.c.identity_token).where(COMPLAINTS.c.identity_token.is_not(None))
    ).all()
    count = 0
    for token in tokens:
        try:
            cipher.open(token)
        except ServiceUnavailable:
            count += 1
    return count
