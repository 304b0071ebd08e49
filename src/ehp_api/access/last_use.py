"""An API key's `last_used_at`, for people auditing keys: kept off the request's transaction.

Written in the request's transaction, it made every GET with a key's first use of the minute a
write: on SQLite that read then needed the write lock, and was refused at once (503) whenever
another request was writing. It is written after the response instead, in a short transaction
of its own, at most once a minute per key and process, and a failure is only logged: the answer
has been sent, and the next minute tries again.
"""

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import SQLAlchemyError

from ehp_api.access.models import ApiKey
from ehp_api.core.db import SessionFactory, utcnow

# Minute precision is enough to tell a key in use from a forgotten one.
RESOLUTION_SECONDS = 60

logger = logging.getLogger(__name__)


class KeyUses:
    """When this process last wrote each key's use (monotonic seconds); threads share it."""

    def __init__(self) -> None:
        self._written: dict[int, float] = {}
        self._lock = threading.Lock()

    def due(self, key_id: int) -> bool:
        """Whether the key's use should be written now; if so, it counts as written."""
        now = time.monotonic()
        with self._lock:
            if now - self._written.get(key_id, -RESOLUTION_SECONDS) < RESOLUTION_SECONDS:
                return False
            self._written[key_id] = now
            return True


def record(sessions: SessionFactory, key_id: int) -> None:
    """Set the key's `last_used_at` to now unless another process did within the minute."""
    now = utcnow()
    recent = ApiKey.last_used_at > now - timedelta(seconds=RESOLUTION_SECONDS)  # type: ignore[operator]
    statement = (
        update(ApiKey)
        .where(ApiKey.id == key_id, or_(ApiKey.last_used_at.is_(None), ~recent))  # type: ignore[arg-type,union-attr]
        .values(last_used_at=now)
    )
    try:
        with sessions() as session, session.begin():
            session.execute(statement)
    except SQLAlchemyError as exc:
        logger.info("last use of API key %s not recorded: %s", key_id, type(exc).__name__)
