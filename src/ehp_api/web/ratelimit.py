"""Rate limits shared by every worker process: `limits` counting in the service's database.

Workers are stateless and several, so a counter in process memory would let each worker grant
the full limit. `DatabaseStorage` keeps the counters in `rate_limit_counters`; `LoginLimiter` is
the small facade the login code uses.
"""

import hashlib
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine, String, case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import Field, Session, SQLModel

# Importing ehp_api.core.db (here, before the table class) sets the constraint naming convention.
from ehp_api.core.db import UTCDateTime, deferred, table_of, utcnow
from ehp_api.core.errors import AppError
from ehp_api.core.i18n import tr

KEY_LENGTH = 255

# Both dialects compile INSERT .. ON CONFLICT DO UPDATE .. RETURNING (SQLite from 3.35).
_INSERTS: dict[str, Callable[..., Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def insert_for(dialect: str) -> Callable[..., Any]:
    """The dialect's INSERT, which has `on_conflict_do_update`."""
    return _INSERTS[dialect]


class RateLimitCounter(SQLModel, table=True):
    """One fixed-window counter: `count` hits until `expires_at`, then it starts again."""

    __tablename__ = "rate_limit_counters"

    key: str = Field(sa_type=String(KEY_LENGTH), primary_key=True)
    count: int = Field(nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class TooManyRequests(AppError):
    """Too many attempts in the window; `retry_after` is the wait in whole seconds."""

    status_code = 429
    slug = "too-many-requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        detail = detail or tr("Too many attempts; retry in {seconds} seconds.", seconds=retry_after)
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


_table = table_of(RateLimitCounter)


def _stored_key(key: str) -> str:
    # `limits` keys embed the caller's identifiers and may exceed the column; PostgreSQL would
    # refuse them, SQLite would keep them whole. A digest keeps them unique and bounded.
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """A `limits` storage in `rate_limit_counters`, for the fixed-window strategy.

    Each call runs in a short transaction of its own, so that a hit is counted even when the
    request that made it rolls back. Times come from the worker's clock (keep hosts in NTP).
    On SQLite, count before the request's session has begun: a request that writes holds the
    write lock from its first statement, and the counter's transaction would wait for it.
    """

    # A list, as `limits` declares it; read once by its registry metaclass, never mutated.
    STORAGE_SCHEME = ["ehp-database"]  # noqa: RUF012

    def __init__(
        self,
        engine: Engine,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        **options: float | str | bool,
    ) -> None:
        # `storage_from_string` would pass its URI here: an engine cannot be built from it.
        if not isinstance(engine, Engine):
            raise ConfigurationError("build DatabaseStorage(engine) directly, not from a URI")
        if engine.dialect.name not in _INSERTS:
            raise ConfigurationError(f"no rate limit storage for {engine.dialect.name}")
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.engine = engine
        # Counting writes and takes SQLite's write lock at BEGIN; looking a count up does not.
        self.reader = deferred(engine)
        self._insert = insert_for(engine.dialect.name)

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        # DBAPIError covers OperationalError; the pool's timeout is no DBAPI error.
        return (DBAPIError, PoolTimeoutError)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` and return the new count, in one upsert atomic across processes."""
        now = utcnow()
        insert = self._insert(_table).values(
            key=_stored_key(key), count=amount, expires_at=now + timedelta(seconds=expiry)
        )
        expired = _table.c.expires_at <= now
        # SET expressions read the row as it was, so both CASEs see the same `expired`.
        upsert = insert.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "count": case(
                    (expired, insert.excluded.count),
                    else_=_table.c.count + insert.excluded.count,
                ),
                "expires_at": case(
                    (expired, insert.excluded.expires_at), else_=_table.c.expires_at
                ),
            },
        ).returning(_table.c.count)
        with self.engine.begin() as connection:
            return int(connection.execute(upsert).scalar_one())

    def get(self, key: str) -> int:
        """The count of the key's current window; 0 when there is none."""
        count, _expires_at = self._live_row(key)
        return count

    def get_expiry(self, key: str) -> float:
        """When the key's window ends, in epoch seconds; now when there is no window."""
        _count, expires_at = self._live_row(key)
        return expires_at.timestamp() if expires_at is not None else time.time()

    def _live_row(self, key: str) -> tuple[int, datetime | None]:
        query = select(_table.c.count, _table.c.expires_at).where(
            _table.c.key == _stored_key(key), _table.c.expires_at > utcnow()
        )
        with self.reader.connect() as connection:
            row = connection.execute(query).first()
        # Indexes, not names: a Row is a tuple, and `row.count` is tuple.count.
        return (int(row[0]), row[1]) if row is not None else (0, None)

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self.reader.connect() as connection:
                connection.execute(text("SELECT 1"))
        except self.base_exceptions:
            return False
        return True

    def reset(self) -> int | None:
        """Delete every counter; return how many there were."""
        return self._delete(delete(_table))

    def clear(self, key: str) -> None:
        """Forget the key's counter."""
        self._delete(delete(_table).where(_table.c.key == _stored_key(key)))

    def purge_expired(self) -> int:
        """Delete the counters whose window has ended (they are dead weight); return how many."""
        return self._delete(_expired_counters())

    def _delete(self, statement: Any) -> int:
        with self.engine.begin() as connection:
            return int(connection.execute(statement).rowcount)


def _expired_counters() -> Any:
    return delete(_table).where(_table.c.expires_at <= utcnow())


def purge_expired(session: Session) -> int:
    """Delete the counters whose window has ended, in the caller's transaction; return how many.
    A window that ended starts afresh at the next hit anyway: the rows are dead weight."""
    return int(session.exec(_expired_counters()).rowcount)


def build_storage(engine: Engine, storage_url: str | None = None) -> Storage:
    """The database storage for None or "database"; otherwise the `limits` storage of the URI."""
    if storage_url in (None, "", "database"):
        return DatabaseStorage(engine)
    storage = storage_from_string(storage_url)
    # The strategies used here are synchronous: an `async+...` storage cannot serve them.
    if not isinstance(storage, Storage):
        raise ConfigurationError(f"{storage_url!r} is not a synchronous storage")
    return storage


def _identity(identifiers: tuple[str, ...]) -> str:
    # One digest instead of the raw values: no e-mail address or IP address lands in the
    # counter table (or Redis), and ("a/b",) cannot collide with ("a", "b").
    return hashlib.sha256("\x00".join(identifiers).encode()).hexdigest()


class LoginLimiter:
    """Counts attempts per identity (e.g. e-mail, client address) against `limit_text`.

    `limit_text` is `limits` notation: "5/minute", or several limits "5/minute;20/hour".
    """

    def __init__(self, engine: Engine, limit_text: str, storage_url: str | None = None) -> None:
        self.items: list[RateLimitItem] = parse_many(limit_text)
        self.storage = build_storage(engine, storage_url)
        self.limiter = FixedWindowRateLimiter(self.storage)

    def hit(self, *identifiers: str) -> None:
        """Count one attempt; raise TooManyRequests when it is over any of the limits."""
        identity = _identity(identifiers)
        refused = [item for item in self.items if not self.limiter.hit(item, identity)]
        if refused:
            raise TooManyRequests(max(self._retry_after(item, identity) for item in refused))

    def clear(self, *identifiers: str) -> None:
        """Forget the identity's attempts, e.g. after a successful login."""
        identity = _identity(identifiers)
        for item in self.items:
            self.limiter.clear(item, identity)

    def _retry_after(self, item: RateLimitItem, identity: str) -> int:
        reset_time = self.limiter.get_window_stats(item, identity).reset_time
        return max(1, math.ceil(reset_time - time.time()))
