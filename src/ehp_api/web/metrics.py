"""`GET /metrics`: the Prometheus exposition, for the scraper holding `EHP_METRICS_TOKEN` only.

Without the setting the route does not exist (404, like any unknown path). It is no operation of
the API: not in the OpenAPI document, no principal, never shed (an overloaded worker still tells
how overloaded it is). What is counted as it happens is in `ehp_api.core.metrics`; the figures
read from the database at scrape time (`Figure`) are given by the registry (`ehp_api.main`), since
this wing imports no domain.
"""

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from pydantic import SecretStr
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ehp_api.core import metrics
from ehp_api.core.db import SessionDep
from ehp_api.core.errors import Unauthorized
from ehp_api.core.i18n import tr

PATH = "/metrics"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """A gauge read from the database at each scrape: `read` gives one value, or one per value of
    `label`. The same for every worker: the scraped one reads it."""

    name: str
    documentation: str
    read: Callable[[Session], int | Mapping[str, int]]
    label: str | None = None

    def family(self, session: Session) -> GaugeMetricFamily:
        value = self.read(session)
        if isinstance(value, int):
            return GaugeMetricFamily(self.name, self.documentation, value=value)
        family = GaugeMetricFamily(self.name, self.documentation, labels=[self.label or "key"])
        for key, count in sorted(value.items()):
            family.add_metric([key], count)
        return family


class _Figures(Collector):
    def __init__(self, figures: Iterable[Figure], session: Session) -> None:
        self.figures = figures
        self.session = session

    def collect(self) -> Iterable[Metric]:
        # The counts of the processes are worth serving while the database is down.
        try:
            families = [figure.family(self.session) for figure in self.figures]
        except DBAPIError:
            logger.warning("metrics: the figures could not be read from the database")
            self.session.rollback()
            families = []
        up = GaugeMetricFamily(
            "ehp_database_figures_up",
            "1 when this scrape read the figures from the database, 0 when it could not.",
            value=1 if families or not self.figures else 0,
        )
        return [*families, up]


def exposition(figures: Iterable[Figure], session: Session) -> bytes:
    """What the processes counted (added up over the workers' files with several), then the
    figures read now."""
    counted = REGISTRY
    if metrics.multiprocess_mode():
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    read_now = CollectorRegistry(auto_describe=False)
    read_now.register(_Figures(figures, session))
    return generate_latest(counted) + generate_latest(read_now)


def _check_scraper(request: Request, token: SecretStr) -> None:
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not secrets.compare_digest(sent.strip().encode(), expected):
        raise Unauthorized(tr("Send `Authorization: Bearer <EHP_METRICS_TOKEN>`."))


def install_metrics(app: FastAPI, token: SecretStr | None, figures: Iterable[Figure]) -> None:
    """Serve `/metrics` to the holder of `token`; without one, nothing is served."""
    if token is None:
        return
    figures = tuple(figures)
    router = APIRouter(include_in_schema=False)

    @router.get(PATH)
    def scrape(request: Request, session: SessionDep) -> Response:
        """The Prometheus exposition: requests, shed requests, pool use, readings, figures."""
        _check_scraper(request, token)
        return Response(exposition(figures, session), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
