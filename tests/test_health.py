"""Liveness and readiness probes."""

import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ehp_api.core import migrate
from ehp_api.core.config import Settings
from ehp_api.main import create_app


def test_liveness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_ready_when_the_schema_is_at_head(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["revision"] == migrate.head_revision()


def test_not_ready_when_the_database_is_not_migrated() -> None:
    empty = Path(tempfile.mkdtemp(prefix="ehp-unmigrated-")) / "empty.db"
    app = create_app(Settings(database_url=f"sqlite:///{empty}", _env_file=None))
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "ehp-api db upgrade" in response.json()["detail"]


def test_not_ready_when_the_database_is_unreachable() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    with TestClient(create_app(Settings(database_url=url, _env_file=None))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    settings = Settings(database_url="sqlite://", environment="production", _env_file=None)
    with pytest.raises(RuntimeError, match="EHP_ENCRYPTION_KEY"):
        create_app(settings)
