"""Who a bearer secret stands for, remembered for a few seconds by each worker process.

Every authenticated request used to look its key or token up in the database: on a read of one
indicator that lookup was a third of the work. A worker now keeps the principal of each secret
it has verified for `EHP_AUTH_CACHE_SECONDS` (default 10), keyed by the secret's SHA-256 digest
(the secret itself is not kept), and never past the key's or token's own expiry.

The bound this buys, and that docs/access.md states: a key revoked, a token logged out, or a user
deactivated or given another role through the API is forgotten at once by the worker that made
the change (after its transaction commits) and by the others within `EHP_AUTH_CACHE_SECONDS`; a
change made with the command line, which runs in another process, takes the same time. `0`
turns the cache off.
"""

import threading
import weakref
from datetime import datetime

from cachetools import TTLCache
from sqlalchemy import event
from sqlmodel import Session

from ehp_api.core.db import utcnow
from ehp_api.core.principal import Principal

# Every cache of this process, so that a change of credentials forgets them all (tests and
# `create_app()` may make several apps in one process).
_caches: "weakref.WeakSet[PrincipalCache]" = weakref.WeakSet()


class PrincipalCache:
    """Digest -> (principal, expiry); thread safe, bounded in size and in age."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.enabled = seconds > 0
        self._entries: TTLCache[str, tuple[Principal, datetime | None]] = TTLCache(
            maxsize=size, ttl=max(seconds, 0.001)
        )
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, digest: str) -> Principal | None:
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(digest)
        if entry is None:
            return None
        principal, expires_at = entry
        return principal if expires_at is None or expires_at > utcnow() else None

    def put(self, digest: str, principal: Principal, expires_at: datetime | None) -> None:
        if self.enabled:
            with self._lock:
                self._entries[digest] = (principal, expires_at)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def forget_all() -> None:
    for cache in list(_caches):
        cache.clear()


def forget_after_commit(session: Session) -> None:
    """Credentials change in this transaction: forget every remembered principal now, and again
    once it commits (a request that read the old row meanwhile may have remembered it)."""
    forget_all()
    event.listen(session, "after_commit", lambda _: forget_all(), once=True)
