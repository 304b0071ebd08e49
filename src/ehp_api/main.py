"""create_app(): the ASGI application with its middleware, error handlers, docs and routers."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from ehp_api import __version__
from ehp_api.access.credentials import Bearers
from ehp_api.access.last_use import KeyUses
from ehp_api.access.login import LoginLimits
from ehp_api.access.principal_cache import PrincipalCache
from ehp_api.alerts import service as alerts_service
from ehp_api.api import include_api
from ehp_api.complaints import deadlines
from ehp_api.core import metrics
from ehp_api.core.config import Settings, check_production, get_settings
from ehp_api.core.db import deferred
from ehp_api.core.errors import install_handlers
from ehp_api.core.guards import Authenticator, authenticated, get_principal
from ehp_api.core.logs import configure_logging
from ehp_api.exports.xlsx_writer import MEDIA_TYPE as XLSX_MEDIA_TYPE
from ehp_api.models import build_engine
from ehp_api.notifications import service as notifications_service
from ehp_api.web import health, nul_characters, unknown_parameters
from ehp_api.web.admission import Admission, InFlightLimitMiddleware
from ehp_api.web.body_limits import BodyGuardMiddleware
from ehp_api.web.docs_pages import SWAGGER_UI_PARAMETERS, install_redoc
from ehp_api.web.language import LanguageMiddleware
from ehp_api.web.metrics import Figure, install_metrics
from ehp_api.web.middleware import (
    GZIP_LEVEL,
    GZIP_MINIMUM_BYTES,
    ClientAddressMiddleware,
    RequestContextMiddleware,
)
from ehp_api.web.nul_characters import RefuseNulCharacters
from ehp_api.web.openapi import (
    ALLOWED_HEADERS,
    DESCRIPTION,
    DOCS_ASSETS_URL,
    EXPOSED_HEADERS,
    REDOC_ASSETS_URL,
    install_openapi,
    operation_id,
)
from ehp_api.web.ratelimit import LoginLimiter
from ehp_api.web.reference import Snapshot

TAGS = [
    {
        "name": "work plan",
        "description": "The strategy, its axes, objectives and activities, and how each goes.",
    },
    {"name": "indicators", "description": "Progress indicators and their breakdowns."},
    {"name": "organisations", "description": "EHP members and the other actors of the plan."},
    {"name": "locations", "description": "P-coded admin areas and focus areas (Liptako Gourma)."},
    {"name": "periods", "description": "Quarters and years of the plan."},
    {"name": "readings", "description": "Indicator readings: posting, review, files."},
    {"name": "exports", "description": "Readings (CSV with HXL, XLSX) and the work plan as files."},
    {"name": "alerts", "description": "Protection alerts: EHP referrals and EWRR alerts."},
    {"name": "dashboard", "description": "The quarterly protection dashboard and the Gantt."},
    {
        "name": "register",
        "description": "The EHP's register: meetings, thematic notes, information requests, "
        "decisions and their action points.",
    },
    {"name": "access", "description": "Logging in, the caller's identity, users and API keys."},
    {"name": "audit", "description": "The append-only audit log."},
    {
        "name": "complaints",
        "description": "Community complaints and feedback: referral, response, PSEA cases.",
    },
    {
        "name": "sync",
        "description": "Keeping a copy: what left the caller's view since a time.",
    },
    {
        "name": "webhooks",
        "description": "Subscriptions to events, signed per Standard Webhooks; the delivery log.",
    },
    {"name": "reports", "description": "The quarterly protection note, as an editable Word file."},
    {"name": "labels", "description": "The labels of every code, in French and English."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

# Read from the database at each scrape of /metrics (docs/operations.md, Metrics).
FIGURES = (
    Figure("ehp_alerts", "Alerts by status.", alerts_service.count_by_status, label="status"),
    Figure(
        "ehp_complaints_overdue",
        "Complaints overdue today (referral or response), SEA allegations and other confidential "
        "cases left out.",
        lambda session: deadlines.count_overdue(session, date.today()),
    ),
    Figure(
        "ehp_outbox_lag_seconds",
        "Age of the oldest event not yet dispatched (stage=dispatch) and of the oldest delivery "
        "not yet delivered (stage=delivery); 0 when none.",
        notifications_service.lag_seconds,
        label="stage",
    ),
    Figure(
        "ehp_event_deliveries",
        "Deliveries (webhooks, e-mail) by status; failed: given up after EHP_WEBHOOK_MAX_ATTEMPTS.",
        notifications_service.count_by_status,
        label="status",
    ),
    Figure(
        "ehp_event_deliveries_retrying",
        "Deliveries still pending after at least one failed attempt.",
        notifications_service.count_retrying,
    ),
)


def keep_state(app: FastAPI, settings: Settings) -> None:
    """The settings and what requests leave for later ones in this process: the principal cache,
    the reference snapshot, the login and follow-up counters (when kept in memory).

    `create_app` sets them once; the test suite, which builds one app for its whole run, sets them
    anew before each test (tests/conftest.py)."""
    app.state.settings = settings
    authenticator: Authenticator = Bearers(PrincipalCache(settings.auth_cache_seconds), KeyUses())
    app.state.authenticator = authenticator
    app.state.reference = Snapshot()
    app.state.login_limits = LoginLimits(
        *(
            LoginLimiter(app.state.engine, limit, settings.rate_limit_storage)
            for limit in (
                settings.login_rate_limit,
                settings.login_rate_limit_per_ip,
                settings.login_rate_limit_per_account,
            )
        )
    )
    # The public complaint follow-up endpoint: counted per client address, like logins.
    app.state.follow_up_limiter = LoginLimiter(
        app.state.engine, settings.follow_up_rate_limit, settings.rate_limit_storage
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    check_production(settings)
    configure_logging(settings.log_level, settings.log_format)
    pool_capacity = settings.worker_threads + settings.db_max_overflow

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        # As many request threads as pooled connections: a request never waits on the pool.
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        # The objects created at import never die: keep them out of the collector's full passes,
        # which otherwise add 100-200 ms pauses to large batches.
        gc.collect()
        gc.freeze()
        metrics.POOL_CAPACITY.inc(pool_capacity)
        yield
        application.state.engine.dispose()
        metrics.POOL_CAPACITY.dec(pool_capacity)
        metrics.forget_this_process()

    app = FastAPIOffline(
        title="ehp_api",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        # `/organisations/` is a 404, not a redirect to the list: with redirects, an empty code
        # (`/organisations/{code}` with "") answered with a different resource.
        redirect_slashes=False,
        redoc_url=None,  # install_redoc: ReDoc's own bundle loads a logo from another host
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        static_url=DOCS_ASSETS_URL,
    )
    app.state.engine = build_engine(settings)
    metrics.watch_pool(app.state.engine)
    app.state.read_engine = deferred(app.state.engine)
    app.state.admission = Admission(settings.in_flight_limit, settings.queue_seconds)
    keep_state(app, settings)
    install_handlers(app)
    app.state.request_faults = (unknown_parameters.faults,)
    install_openapi(app)
    install_redoc(app)
    # Paths and queries; bodies are checked by the body guard, once the operation is known.
    app.add_middleware(RefuseNulCharacters)
    # Inside CORS, so that a browser sees the 401 or 413 (and its request id) rather than a CORS
    # error.
    app.add_middleware(
        BodyGuardMiddleware,
        settings=settings,
        principal=get_principal,
        authenticate=authenticated,
        content_check=(nul_characters.checked, nul_characters.body_refusal),
    )
    # Outside the body checks (a refused request reads no body), inside CORS: a refusal still
    # gets CORS headers (a browser may read it) and a request id.
    app.add_middleware(InFlightLimitMiddleware, admission=app.state.admission)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
    )
    # Inside the request context, which stamps its headers on what this compressed. An answer is
    # compressed as the app sends it, so while its request still counts in flight. 1 KB and more;
    # a streamed export chunk by chunk; XLSX files are zip archives already.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MINIMUM_BYTES,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, XLSX_MEDIA_TYPE),
    )
    app.add_middleware(
        RequestContextMiddleware, immutable_prefixes=(DOCS_ASSETS_URL, REDOC_ASSETS_URL)
    )
    # Outside every refusal (413, 429, 503, the 500 of the request context): all are in the
    # request's language.
    app.add_middleware(LanguageMiddleware, default=settings.default_language)
    # Outermost: everything inside, logs included, sees the client's address as decided here.
    app.add_middleware(ClientAddressMiddleware, trusted_proxies=settings.trusted_proxies)
    app.include_router(health.router)
    install_metrics(app, settings.metrics_token, FIGURES)
    include_api(app)
    logging.getLogger("ehp_api").debug("application created")
    return app
