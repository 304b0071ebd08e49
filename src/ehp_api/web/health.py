"""Liveness and readiness probes for orchestrators and load balancers."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text

from ehp_api.core import migrate
from ehp_api.core.errors import ServiceUnavailable, problem_responses
from ehp_api.core.i18n import tr

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(description="`ok` when the probe passes.", examples=["ok"])
    revision: str | None = Field(None, description="Database schema revision (readiness only).")


@router.get("/healthz", response_model=Health, response_model_exclude_none=True)
def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=problem_responses(503))
def readyz(request: Request) -> Health:
    """Readiness: a request slot is free, the database answers and its schema is at the
    migrations' head."""
    if request.app.state.admission.saturated:
        raise ServiceUnavailable(tr("The worker is handling as many requests as it can."))
    try:
        with request.app.state.read_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = migrate.current_revision(connection)
    except Exception as exc:
        raise ServiceUnavailable(tr("The database is unreachable.")) from exc
    if revision != migrate.head_revision():
        raise ServiceUnavailable(
            tr(
                "The database schema is at {value}, not at {value2}; run `ehp-api db upgrade`.",
                value=revision or tr("no revision"),
                value2=migrate.head_revision(),
            )
        )
    return Health(status="ok", revision=revision)
