"""The service's settings: one pydantic-settings class, environment prefix EHP_, and what
`production` refuses to start without."""

import ipaddress
import os
from functools import lru_cache
from typing import Annotated, Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url

# A folder of files named after the settings (`EHP_ENCRYPTION_KEY`, ...), each holding a value:
# Docker secrets (/run/secrets). A variable of the environment wins over a file.
SECRETS_DIR_VARIABLE = "EHP_SECRETS_DIR"

# On SQLite writes take turns anyway: a burst waits at the door rather than being refused. 100
# writes at once were all answered within about 5 s on a loaded 2-core machine, 300 within 7 s
# (docs/operations.md, "SQLite: how many users"; the figures in benchmarks/README.md).
SQLITE_QUEUE_SECONDS = 10.0


def split_keys(value: str) -> list[str]:
    """The keys of a comma-separated EHP_ENCRYPTION_KEY, first (the one that encrypts) first."""
    return [key.strip() for key in value.split(",") if key.strip()]


class Settings(BaseSettings):
    """Every setting is documented in docs/operations.md (Settings); keep the two in step."""

    # Secrets never appear in a refusal: errors name the setting, not the value it was given.
    model_config = SettingsConfigDict(
        env_prefix="EHP_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "production", "test"] = Field(
        "development", description="`production` refuses unsafe defaults."
    )
    database_url: str = Field("sqlite:///./ehp.db", description="SQLAlchemy URL of the database.")
    database_password: SecretStr | None = Field(
        None,
        description="PostgreSQL password, put into `database_url` (which then names none): a "
        "secret file apart from the URL.",
    )
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
    log_format: Literal["json", "text"] = Field(
        "json", description="`json` (one object a line) or `text` (for development)."
    )
    metrics_token: SecretStr | None = Field(
        None,
        min_length=32,
        description="Bearer token of the Prometheus scraper for `/metrics` (at least 32 "
        "characters); without it `/metrics` is not served.",
    )
    default_language: Literal["fr", "en"] = Field(
        "fr",
        description="Language of problems, labels and files when a request asks for neither "
        "French nor English (`Accept-Language`, `lang`), of `ehp-api` when the locale names "
        "neither, and of the worker's e-mails.",
    )
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
    auth_cache_seconds: float = Field(
        10,
        ge=0,
        le=300,
        description="How long a worker remembers whom a key or token stands for: a key revoked "
        "with the CLI or on another worker may still work that long; 0 turns it off.",
    )
    login_rate_limit: str = Field(
        "5/minute", description="Login attempts allowed per account from one client address."
    )
    login_rate_limit_per_ip: str = Field(
        "30/minute", description="Login attempts per client address, over all accounts."
    )
    login_rate_limit_per_account: str = Field(
        "50/minute;500/hour",
        description="Login attempts per account over all client addresses: a ceiling against "
        "many addresses guessing one password, far above what one address may try.",
    )
    idempotency_ttl_hours: int = Field(
        48, ge=24, description="How long an Idempotency-Key and its response are kept."
    )
    encryption_key: SecretStr | None = Field(
        None,
        description="Fernet key (urlsafe base64, 32 bytes) for identity fields, or several, "
        "comma-separated: the first encrypts, every one decrypts (`ehp-api "
        "rotate-encryption-key`); required in production. Generate: python -c 'from "
        "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
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
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses or CIDR networks of the reverse proxies whose "
        "X-Forwarded-For (and X-Forwarded-Proto) is believed; the client's address is then the "
        "forwarded one, walked from the right past these proxies. Empty: no forwarded header is "
        "believed, the connecting address is the client's.",
    )
    rate_limit_storage: str = Field(
        "database",
        description="`database` (shared by all workers), or a `limits` URI (redis://...).",
    )

    # Read before the handler runs: small, so that no caller, authenticated or not, makes the
    # worker hold much memory for an operation that needs little.
    max_body_bytes: int = Field(
        2**20,
        ge=2**10,
        description="Largest JSON request body but a reading batch's; more is a 413.",
    )
    # A 10,000-reading batch with every field at its longest (2,000-character French comments,
    # UTF-8) is 45 MB; a typical one is about 1 MB.
    max_batch_bytes: int = Field(
        64 * 2**20,
        ge=2**10,
        description="Largest body of a reading batch (POST /readings/batch); more is a 413.",
    )
    # As Apache's mod_reqtimeout (body=20,MinRate=500): a slow link may take as long as it needs,
    # as long as it keeps sending; a stalled one is dropped.
    body_timeout_seconds: float = Field(
        20.0,
        gt=0,
        description="Seconds a client has to send a request body, plus one second per "
        "EHP_BODY_MIN_RATE bytes it has sent; past it, 408 and the connection is closed.",
    )
    body_min_rate: int = Field(
        500, ge=1, description="Bytes per second that extend a body's deadline by one second."
    )
    max_upload_bytes: int = Field(
        20 * 2**20, ge=2**10, description="Largest uploaded file (multipart); more is a 413."
    )

    # What reading one XLSX file may cost: a 600 KB file could unpack to a sheet that took
    # 68 s of CPU to read.
    import_max_sheet_rows: int = Field(
        20_000, ge=10, description="Rows of an imported sheet read, empty ones included."
    )
    import_max_unpacked_bytes: int = Field(
        64 * 2**20, ge=2**20, description="Size an imported XLSX may unpack to."
    )
    import_max_shared_strings_bytes: int = Field(
        32 * 2**20, ge=2**20, description="Size of an imported XLSX's shared strings (its text)."
    )
    import_max_seconds: float = Field(
        20.0, gt=0, description="Seconds reading an imported file's sheet may take."
    )

    # The worker (`ehp-api worker`) and what it delivers: webhooks and e-mail.
    worker_poll_seconds: float = Field(
        2.0, gt=0, description="Seconds the worker sleeps when it finds nothing to deliver."
    )
    worker_lease_seconds: int = Field(
        120,
        ge=5,
        description="Seconds a worker's claim on a delivery lasts: a worker killed while sending "
        "leaves it to be sent again after that long. Keep it above EHP_WEBHOOK_TIMEOUT_SECONDS.",
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, description="Seconds a webhook endpoint has to answer a delivery."
    )
    webhook_max_attempts: int = Field(
        12, ge=1, description="Attempts at a delivery (webhook or e-mail) before it is `failed`."
    )
    webhook_retry_seconds: float = Field(
        30.0,
        gt=0,
        description="Wait before the first retry of a failed delivery; it doubles with each "
        "attempt, up to six hours.",
    )
    webhook_allow_private_networks: bool = Field(
        False,
        description="Let webhooks go to loopback, private, link-local and other non-public "
        "addresses (a receiver on the deployment's own network); off, such a URL is refused when "
        "subscribed and each delivery to one is refused (the worker never reaches inside).",
    )
    webhook_allow_http: bool = Field(
        False,
        description="Let webhooks go to plain http URLs; off, only https ones (events must not "
        "cross a network in clear).",
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mail notifications; unset: no e-mail is sent."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="`starttls` (upgrade after connecting), `ssl` (TLS from the start, usually "
        "port 465), or `none` (a relay on the same host or network only).",
    )
    smtp_sender: str = Field(
        "ehp-api@localhost", description="The From address of e-mail notifications."
    )
    smtp_username: str | None = Field(None, description="SMTP login, if the server asks one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (a secret file).")
    smtp_timeout_seconds: float = Field(
        20.0, gt=0, description="Seconds the SMTP server has to answer each command."
    )

    # The worker's scheduled jobs (`ehp_api.jobs`): an interval in seconds (0: the job is off),
    # or for the digest a time of day (UTC).
    job_purge_identities_every_seconds: int = Field(
        86400,
        ge=0,
        description="Seconds between two runs of the identity purge (what `ehp-api "
        "purge-identities` does); 0: off.",
    )
    job_purge_expired_every_seconds: int = Field(
        3600,
        ge=0,
        description="Seconds between two runs of the expiry of idempotency keys and rate-limit "
        "counters (what `ehp-api purge-expired` does); 0: off.",
    )
    job_purge_outbox_every_seconds: int = Field(
        86400,
        ge=0,
        description="Seconds between two deletions of delivered events older than "
        "EHP_OUTBOX_RETENTION_DAYS; 0: off.",
    )
    job_overdue_digest_at: str = Field(
        "06:00",
        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9])?$",
        description="Time of day (HH:MM, UTC) of the daily e-mail of overdue complaints and "
        "escalation follow-ups; empty: off.",
    )
    job_lease_seconds: int = Field(
        3600,
        ge=60,
        description="Seconds a worker's claim on a running job lasts: a worker killed mid-run "
        "leaves the job to the next due time, and no other worker starts it before then.",
    )
    outbox_retention_days: int = Field(
        30,
        ge=1,
        description="Days a delivered event (and its deliveries) is kept before the outbox "
        "clean-up deletes it.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secrets_dir = os.environ.get(SECRETS_DIR_VARIABLE)
        if secrets_dir:
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @field_validator("encryption_key")
    @classmethod
    def _fernet_keys(cls, key: SecretStr | None) -> SecretStr | None:
        # Checked at startup, not at the first complaint with an identity; a refusal says which
        # key of the list, never what it holds.
        if key is None:
            return None
        keys = split_keys(key.get_secret_value())
        if not keys:
            raise ValueError("EHP_ENCRYPTION_KEY holds no key")
        for position, one in enumerate(keys, start=1):
            try:
                Fernet(one.encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                which = f"key {position} of {len(keys)}" if len(keys) > 1 else "it"
                raise ValueError(
                    f"EHP_ENCRYPTION_KEY: {which} is not a Fernet key (32 bytes in URL-safe "
                    "base64, 44 characters)"
                ) from None
        return SecretStr(",".join(keys))

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [proxy.strip() for proxy in value.split(",") if proxy.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        # Anything else (a host name, a typo, `10.0.0.1/8` with host bits) uvicorn's middleware
        # would take for a name that no client has: trusted by nobody, silently.
        proxies = []
        for proxy in value:
            try:
                if "/" in proxy:
                    proxies.append(str(ipaddress.ip_network(proxy, strict=False)))
                else:
                    proxies.append(str(ipaddress.ip_address(proxy)))
            except ValueError:
                raise ValueError(f"{proxy!r} is not an IP address or a CIDR network") from None
        return proxies

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

    @model_validator(mode="after")
    def _password_into_the_url(self) -> "Settings":
        if self.database_password is None:
            return self
        url = make_url(self.database_url)
        password = self.database_password.get_secret_value()
        if url.get_backend_name() == "sqlite" or url.password not in (None, password):
            raise ValueError(
                "EHP_DATABASE_PASSWORD is for a PostgreSQL EHP_DATABASE_URL that names no "
                "password of its own"
            )
        self.database_url = url.set(password=password).render_as_string(hide_password=False)
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


def check_production(settings: Settings) -> None:
    """Refuse settings that `production` must not run with (`create_app` calls it)."""
    if settings.environment == "production" and settings.encryption_key is None:
        raise RuntimeError(
            "EHP_ENCRYPTION_KEY is required in production: complainants' identity is encrypted "
            "at rest with it (see the settings in docs/operations.md)."
        )
