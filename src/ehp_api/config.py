"""The service's settings: one pydantic-settings class, environment prefix EHP_."""

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# On SQLite writes take turns anyway: a burst waits at the door rather than being refused. 100
# writes at once were all answered within about 5 s on a loaded 2-core machine, 300 within 7 s
# (README, "SQLite: how many users").
SQLITE_QUEUE_SECONDS = 10.0


class Settings(BaseSettings):
    """Every setting is documented in the README; keep the two in step."""

    model_config = SettingsConfigDict(env_prefix="EHP_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = Field(
        "development", description="`production` refuses unsafe defaults."
    )
    database_url: str = Field("sqlite:///./ehp.db", description="SQLAlchemy URL of the database.")
    host: str = Field("127.0.0.1", description="Address `ehp-api serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `ehp-api serve` listens on.")
    workers: int = Field(1, ge=1, description="Worker processes of `ehp-api serve`.")
    worker_start_timeout: int = Field(
        30,
        ge=1,
        description="Seconds a worker of `ehp-api serve` may take to start, or to answer its "
        "supervisor's ping, before it is replaced.",
    )
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated origins allowed by CORS."
    )
    worker_threads: int = Field(
        20, ge=1, description="Threads per worker that run requests; the pool holds as many."
    )
    db_max_overflow: int = Field(5, ge=0, description="Extra connections beyond the pool.")
    max_in_flight: int | None = Field(
        None,
        ge=1,
        description="Requests a worker handles at once; the next one gets 503 at once. Default: "
        "worker_threads; at most worker_threads + db_max_overflow.",
    )
    queue_timeout: float | None = Field(
        None,
        ge=0,
        description="Seconds a request past the in-flight limit waits for its turn before its "
        "503. Default: 10 on SQLite (one writer at a time: a burst queues), 0 elsewhere.",
    )
    db_pool_timeout: float = Field(
        5.0, gt=0, description="Seconds to wait for a connection before answering 503."
    )
    sqlite_busy_timeout_ms: int = Field(
        5000, ge=0, description="How long a SQLite write waits for the write lock before its 503."
    )
    token_ttl_minutes: int = Field(480, ge=1, description="Lifetime of a login's access token.")
    login_rate_limit: str = Field("5/minute", description="Login attempts allowed per account.")
    login_rate_limit_per_ip: str = Field("30/minute", description="Login attempts per client IP.")
    idempotency_ttl_hours: int = Field(
        48, ge=24, description="How long an Idempotency-Key and its response are kept."
    )
    encryption_key: SecretStr | None = Field(
        None,
        description="Fernet key (urlsafe base64, 32 bytes) for identity fields; required in "
        "production. Generate: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'",
    )
    identity_retention_days: int = Field(
        365, ge=1, description="Days after a complaint is closed before its identity is purged."
    )
    small_cell_threshold: int = Field(
        5, ge=1, description="Counts below this (and above 0) are suppressed for broad audiences."
    )
    dashboard_max_age_seconds: int = Field(
        60,
        ge=0,
        description="A kept dashboard is served this long after it was computed even if the data "
        "changed since (0: recomputed after every write).",
    )
    follow_up_rate_limit: str = Field(
        "10/minute;50/hour",
        description="Follow-up code lookups allowed per client address (public endpoint).",
    )
    rate_limit_storage: str = Field(
        "database",
        description="`database` (shared by all workers), or a `limits` URI (redis://...).",
    )

    # A 10,000-reading batch with every field at its longest (2,000-character French comments,
    # UTF-8) is 45 MB; a typical one is about 1 MB.
    max_body_bytes: int = Field(
        64 * 2**20,
        ge=2**10,
        description="Largest request body other than a file upload (JSON); more is a 413.",
    )
    max_upload_bytes: int = Field(
        20 * 2**20, ge=2**10, description="Largest uploaded file (multipart); more is a 413."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _in_flight_within_the_pool(self) -> "Settings":
        # Each request in flight may hold a connection; one more than the pool holds would wait
        # for it while holding a thread that the connection's holder needs to finish: a stall.
        pool = self.worker_threads + self.db_max_overflow
        if self.max_in_flight is not None and self.max_in_flight > pool:
            raise ValueError(
                f"EHP_MAX_IN_FLIGHT ({self.max_in_flight}) exceeds the connection pool "
                f"(EHP_WORKER_THREADS + EHP_DB_MAX_OVERFLOW = {pool})"
            )
        return self

    @property
    def in_flight_limit(self) -> int:
        return self.max_in_flight or self.worker_threads

    @property
    def queue_seconds(self) -> float:
        if self.queue_timeout is not None:
            return self.queue_timeout
        return SQLITE_QUEUE_SECONDS if self.is_sqlite else 0.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
