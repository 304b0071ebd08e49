"""Rate limits counted in the database: exact under concurrency, shared by workers, windowed."""

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from limits.errors import ConfigurationError
from sqlalchemy import Engine, update
from sqlmodel import Session

from ehp_api.core.config import Settings
from ehp_api.core.db import utcnow
from ehp_api.models import build_engine
from ehp_api.web.ratelimit import DatabaseStorage, LoginLimiter, RateLimitCounter, TooManyRequests

_table = RateLimitCounter.__table__  # type: ignore[attr-defined]


@pytest.fixture
def storage(engine: Engine) -> DatabaseStorage:
    return DatabaseStorage(engine)


@pytest.fixture
def second_engine(settings: Settings) -> Iterator[Engine]:
    """Another worker's engine on the same database."""
    engine = build_engine(settings)
    yield engine
    engine.dispose()


def fresh() -> str:
    return f"test-{uuid.uuid4().hex}"


def expire_now(engine: Engine, key: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(_table).where(_table.c.key == key).values(expires_at=utcnow() - timedelta(1))
        )


class TestLoginLimiter:
    def test_allows_the_limit_then_refuses_with_retry_after(self, engine: Engine) -> None:
        limiter, who = LoginLimiter(engine, "3/minute"), fresh()
        for _ in range(3):
            limiter.hit(who)
        with pytest.raises(TooManyRequests) as refused:
            limiter.hit(who)
        assert refused.value.status_code == 429
        assert refused.value.slug == "too-many-requests"
        assert 0 < refused.value.retry_after <= 60
        assert refused.value.extra == {"retry_after": refused.value.retry_after}

    def test_identifiers_are_counted_separately(self, engine: Engine) -> None:
        limiter, email = LoginLimiter(engine, "1/minute"), fresh()
        limiter.hit(email, "10.0.0.1")
        limiter.hit(email, "10.0.0.2")
        limiter.hit(fresh(), "10.0.0.1")
        with pytest.raises(TooManyRequests):
            limiter.hit(email, "10.0.0.1")

    def test_clear_forgets_the_attempts(self, engine: Engine) -> None:
        limiter, who = LoginLimiter(engine, "2/minute"), fresh()
        limiter.hit(who)
        limiter.hit(who)
        limiter.clear(who)
        limiter.hit(who)
        limiter.hit(who)
        with pytest.raises(TooManyRequests):
            limiter.hit(who)

    def test_every_limit_of_several_applies(self, engine: Engine) -> None:
        limiter, who = LoginLimiter(engine, "5/minute;2/hour"), fresh()
        limiter.hit(who)
        limiter.hit(who)
        with pytest.raises(TooManyRequests) as refused:
            limiter.hit(who)
        assert refused.value.retry_after > 60

    def test_two_workers_share_the_count(self, engine: Engine, second_engine: Engine) -> None:
        first, second = LoginLimiter(engine, "4/minute"), LoginLimiter(second_engine, "4/minute")
        who = fresh()
        for limiter in (first, second, first, second):
            limiter.hit(who)
        for limiter in (first, second):
            with pytest.raises(TooManyRequests):
                limiter.hit(who)

    def test_counting_survives_the_request_rollback(self, engine: Engine, session: Session) -> None:
        limiter, who = LoginLimiter(engine, "1/minute"), fresh()
        limiter.hit(who)
        session.rollback()
        with pytest.raises(TooManyRequests):
            limiter.hit(who)

    def test_a_limits_storage_uri_is_used_instead(self, engine: Engine) -> None:
        limiter, who = LoginLimiter(engine, "1/minute", "memory://"), fresh()
        limiter.hit(who)
        with pytest.raises(TooManyRequests):
            limiter.hit(who)
        assert not isinstance(limiter.storage, DatabaseStorage)

    def test_an_async_storage_is_refused(self, engine: Engine) -> None:
        with pytest.raises(ConfigurationError):
            LoginLimiter(engine, "1/minute", "async+memory://")


class TestConcurrency:
    def test_threads_get_exactly_the_limit(self, engine: Engine) -> None:
        limiter, who = LoginLimiter(engine, "10/minute"), fresh()

        def attempt(_: int) -> bool:
            try:
                limiter.hit(who)
            except TooManyRequests:
                return False
            return True

        with ThreadPoolExecutor(max_workers=8) as pool:
            accepted = sum(pool.map(attempt, range(40)))
        assert accepted == 10

    def test_two_engines_lose_no_increment(
        self, storage: DatabaseStorage, second_engine: Engine
    ) -> None:
        storages, key = (storage, DatabaseStorage(second_engine)), fresh()
        with ThreadPoolExecutor(max_workers=8) as pool:
            counts = list(pool.map(lambda i: storages[i % 2].incr(key, 60), range(40)))
        assert sorted(counts) == list(range(1, 41))
        assert storage.get(key) == 40


class TestDatabaseStorage:
    def test_incr_counts_and_sets_the_expiry(self, storage: DatabaseStorage) -> None:
        key = fresh()
        assert storage.incr(key, 60) == 1
        assert storage.incr(key, 60, amount=3) == 4
        assert storage.get(key) == 4
        assert time.time() + 58 < storage.get_expiry(key) <= time.time() + 60

    def test_an_unknown_key_has_no_count(self, storage: DatabaseStorage) -> None:
        assert storage.get(fresh()) == 0
        assert abs(storage.get_expiry(fresh()) - time.time()) < 1

    def test_the_window_restarts_after_expiry(self, storage: DatabaseStorage) -> None:
        key = fresh()
        storage.incr(key, 60, amount=5)
        expire_now(storage.engine, key)
        assert storage.get(key) == 0
        assert storage.incr(key, 60) == 1
        assert storage.get_expiry(key) > time.time() + 58

    def test_a_one_second_window_passes_in_real_time(self, engine: Engine) -> None:
        limiter, who = LoginLimiter(engine, "2/second"), fresh()
        limiter.hit(who)
        limiter.hit(who)
        with pytest.raises(TooManyRequests) as refused:
            limiter.hit(who)
        assert refused.value.retry_after == 1
        time.sleep(1.05)
        limiter.hit(who)

    def test_clear_and_purge(self, storage: DatabaseStorage) -> None:
        kept, cleared, expired = fresh(), fresh(), fresh()
        for key in (kept, cleared, expired):
            storage.incr(key, 60)
        storage.clear(cleared)
        expire_now(storage.engine, expired)
        assert storage.purge_expired() >= 1
        assert (storage.get(kept), storage.get(cleared), storage.get(expired)) == (1, 0, 0)

    def test_a_key_longer_than_the_column_is_kept_apart(self, storage: DatabaseStorage) -> None:
        long_key = fresh() + "x" * 300
        assert storage.incr(long_key, 60) == 1
        assert storage.incr(long_key + "y", 60) == 1
        assert storage.get(long_key) == 1

    def test_check_and_reset(self, storage: DatabaseStorage) -> None:
        storage.incr(fresh(), 60)
        assert storage.check()
        assert storage.reset() >= 1
        assert storage.reset() == 0

    def test_cannot_be_built_from_a_uri(self) -> None:
        with pytest.raises(ConfigurationError):
            DatabaseStorage("ehp-database://")  # type: ignore[arg-type]
