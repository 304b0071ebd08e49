"""The anchor of benchmarks/reads.py: a bare FastAPI + SQLModel primary-key read.

.venv/bin/python -m uvicorn anchor_app:app --app-dir benchmarks

What a plain FastAPI service does for one read, and nothing more: a sync endpoint (run in the
thread pool, like the service's), a `Session` dependency, one SQLModel row selected by its unique
code, returned as it is. No authentication, no middleware. The connection pool and the thread
pool are sized from the service's own settings, so what the service costs beyond this is its own.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, FastAPI, HTTPException
from sqlmodel import Session, create_engine, select

from ehp_api import models  # noqa: F401 - every table, so that the mappers configure
from ehp_api.core.config import get_settings
from ehp_api.indicators.models import Indicator

settings = get_settings()
engine = create_engine(
    settings.database_url,
    pool_size=settings.worker_threads,
    max_overflow=settings.db_max_overflow,
    pool_timeout=settings.db_pool_timeout,
)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    yield
    engine.dispose()


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


app = FastAPI(lifespan=lifespan, openapi_url=None)


@app.get("/indicators/{code}")
def read_indicator(code: str, session: Annotated[Session, Depends(get_session)]) -> Indicator:
    indicator = session.exec(select(Indicator).where(Indicator.code == code)).first()
    if indicator is None:
        raise HTTPException(404)
    return indicator
