"""The framework ceiling for benchmarks/load.py: a bare FastAPI endpoint, one primary-key read.

.venv/bin/python -m uvicorn ceiling_app:app --app-dir benchmarks --workers N

No authentication, no middleware, no serialisation model: a sync handler (run in the thread
pool, like the service's) reads one period by id on `EHP_DATABASE_URL` and returns its code.
The thread pool and the connection pool are sized from the service's own settings, so the
only difference left with the service is the service's own work.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI, HTTPException
from sqlalchemy import create_engine, text

from ehp_api.core.config import get_settings

settings = get_settings()
engine = create_engine(
    settings.database_url,
    connect_args={"prepare_threshold": None},
    pool_size=settings.worker_threads,
    max_overflow=settings.db_max_overflow,
    pool_timeout=settings.db_pool_timeout,
)
READ = text("SELECT code FROM periods WHERE id = :id")


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    yield
    engine.dispose()


app = FastAPI(lifespan=lifespan, openapi_url=None)


@app.get("/periods/{period_id}")
def read_period(period_id: int) -> dict[str, str]:
    with engine.connect() as connection:
        code = connection.execute(READ, {"id": period_id}).scalar()
    if code is None:
        raise HTTPException(404)
    return {"code": code}
