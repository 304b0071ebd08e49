"""Exports read with a session of their own; here the test's, so that they see what the test
planted and roll back with it."""

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from ehp_api.core.db import get_session_factory
from ehp_api.core.permissions import Role


@pytest.fixture
def app(app: FastAPI, session: Session) -> FastAPI:
    app.dependency_overrides[get_session_factory] = lambda: lambda: nullcontext(session)
    return app


@pytest.fixture
def plant(client_as: Callable[..., TestClient], ocha: TestClient) -> Callable[..., dict]:
    """`plant("HCR", validate=True, indicator=..., ...)`: a reading posted through the API by
    that organisation's partner key, then validated by the secretariat unless told not to."""
    partners: dict[str, TestClient] = {}

    def post(org: str, validate: bool = True, **body: Any) -> dict:
        partner = partners.setdefault(org, client_as(Role.partner, org))
        reading = partner.post("/api/v1/readings", json=body)
        assert reading.status_code == 201, reading.text
        if validate:
            answer = ocha.post(f"/api/v1/readings/{reading.json()['id']}/validate")
            assert answer.status_code == 200, answer.text
        return reading.json()

    return post
