"""`/metrics`: the Prometheus exposition answers the scraper holding EHP_METRICS_TOKEN and refuses
everyone else; it counts requests by route template and status, shed requests, the pool's
connections in use, readings ingested, and reads alerts by status, complaints overdue (no
SEA allegation, no other confidential case), the outbox's lag and its deliveries by status at
each scrape."""

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import Session

from ehp_api.core.config import Settings
from ehp_api.core.db import utcnow
from ehp_api.core.permissions import Role
from ehp_api.events.models import OutboxEvent
from ehp_api.main import create_app
from ehp_api.notifications.models import EMAIL, Delivery, DeliveryStatus
from tests import builders
from tests.alerts.conftest import create as create_alert
from tests.complaints.conftest import BASE as COMPLAINTS
from tests.complaints.conftest import complaint, days_ago
from tests.conftest import on_test_session
from tests.readings.conftest import count_reading

TOKEN = "scraper-token-0123456789-abcdefghijklmnop"
SCRAPER = builders.bearer(TOKEN)


@pytest.fixture
def scraped(settings: Settings, session: Session) -> Iterator[TestClient]:
    """A client of an app serving /metrics (its token set), on the test's transaction."""
    app = on_test_session(
        create_app(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})), session
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def sample(client: TestClient, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def test_without_the_setting_there_is_no_metrics_endpoint(anon_client: TestClient) -> None:
    response = anon_client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_only_the_scraper_is_answered(scraped: TestClient, session: Session) -> None:
    admin = builders.bearer(builders.api_key(session, Role.admin, "OCHA"))
    for headers in ({}, builders.bearer("not-the-token"), admin, {"Authorization": TOKEN}):
        response = scraped.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert "EHP_METRICS_TOKEN" in response.json()["detail"]
    answer = scraped.get("/metrics", headers=SCRAPER)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    assert "ehp_http_requests_total" in answer.text


def test_metrics_is_no_operation_of_the_api(scraped: TestClient) -> None:
    assert "/metrics" not in scraped.get("/openapi.json").json()["paths"]


def test_requests_are_counted_by_route_template_and_status(scraped: TestClient) -> None:
    route = {"method": "GET", "route": "/api/v1/alerts/{alert_id}"}
    before = sample(scraped, "ehp_http_requests_total", **route, status="401")
    timed = sample(scraped, "ehp_http_request_duration_seconds_count", **route)
    for alert_id in (1, 2, 3):
        assert scraped.get(f"/api/v1/alerts/{alert_id}").status_code == 401
    assert sample(scraped, "ehp_http_requests_total", **route, status="401") == before + 3
    assert sample(scraped, "ehp_http_request_duration_seconds_count", **route) == timed + 3
    unmatched = sample(scraped, "ehp_http_requests_total", route="unmatched", status="404")
    scraped.get("/no/such/path/1234")
    after = sample(scraped, "ehp_http_requests_total", route="unmatched", status="404")
    assert after == unmatched + 1


def test_shed_requests_are_counted_and_the_scraper_still_answered(scraped: TestClient) -> None:
    shed = sample(scraped, "ehp_http_requests_shed_total")
    admission = scraped.app.state.admission  # type: ignore[attr-defined]
    taken = admission.limit - admission.in_flight
    admission.in_flight += taken  # every slot held, as by requests in flight
    try:
        refused = scraped.get("/api/v1/alerts")
        assert refused.status_code == 503
        assert refused.json()["type"] == "/problems/overloaded"
        assert sample(scraped, "ehp_http_requests_shed_total") == shed + 1
    finally:
        admission.in_flight -= taken


def test_the_pool_in_use_and_its_capacity(scraped: TestClient, settings: Settings) -> None:
    capacity = settings.worker_threads + settings.db_max_overflow
    assert sample(scraped, "ehp_db_pool_capacity") >= capacity
    idle = sample(scraped, "ehp_db_pool_checked_out")
    # Connections that read (on SQLite, the test's own transaction may hold the write lock).
    engine = scraped.app.state.read_engine  # type: ignore[attr-defined]
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("SELECT 1"))
        second.execute(text("SELECT 1"))
        assert sample(scraped, "ehp_db_pool_checked_out") == idle + 2
    assert sample(scraped, "ehp_db_pool_checked_out") == idle


def test_readings_ingested_are_counted_once_stored(scraped: TestClient, session: Session) -> None:
    created = sample(scraped, "ehp_readings_ingested_total", outcome="created")
    updated = sample(scraped, "ehp_readings_ingested_total", outcome="updated")
    hcr = builders.bearer(builders.api_key(session, Role.partner, "HCR"))
    assert scraped.post("/api/v1/readings", json=count_reading(), headers=hcr).status_code == 201
    assert (
        scraped.post("/api/v1/readings", json=count_reading(value=5), headers=hcr).status_code
        == 200
    )
    dry = scraped.post(
        "/api/v1/readings/batch?dry_run=true",
        json={"readings": [count_reading(period="2021Q3")]},
        headers=hcr,
    )
    assert dry.status_code == 200
    assert sample(scraped, "ehp_readings_ingested_total", outcome="created") == created + 1
    assert sample(scraped, "ehp_readings_ingested_total", outcome="updated") == updated + 1


def test_alerts_by_status_are_read_at_each_scrape(scraped: TestClient, session: Session) -> None:
    drafts = sample(scraped, "ehp_alerts", status="draft")
    assert sample(scraped, "ehp_alerts", status="closed") >= 0
    hcr = TestClient(scraped.app, headers=builders.bearer(builders.api_key(session)))
    create_alert(hcr)
    assert sample(scraped, "ehp_alerts", status="draft") == drafts + 1
    assert sample(scraped, "ehp_database_figures_up") == 1


def test_complaints_overdue_count_no_confidential_case(
    scraped: TestClient, session: Session
) -> None:
    overdue = sample(scraped, "ehp_complaints_overdue")
    hcr = builders.bearer(builders.api_key(session))
    for overrides in (
        {"received_on": days_ago(40)},
        {"received_on": days_ago(40), "category": "sea_allegation"},
        {"received_on": days_ago(40), "sensitive": True},
        {"received_on": days_ago(1)},
    ):
        answer = scraped.post(COMPLAINTS, json=complaint(**overrides), headers=hcr)
        assert answer.status_code == 201, answer.text
    assert sample(scraped, "ehp_complaints_overdue") == overdue + 1
    exposition = scraped.get("/metrics", headers=SCRAPER).text
    about_complaints = [
        (found.name, found.labels)
        for family in text_string_to_metric_families(exposition)
        for found in family.samples
        if "complaint" in found.name
    ]
    assert about_complaints == [("ehp_complaints_overdue", {})]


def test_the_sample_grafana_dashboard_reads_only_metrics_served(scraped: TestClient) -> None:
    dashboard = json.loads(
        (Path(__file__).parents[1] / "docs" / "grafana-dashboard.json").read_text()
    )
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    named = {m for e in expressions for m in re.findall(r"\behp_[a-z_]+", e)}
    exposition = scraped.get("/metrics", headers=SCRAPER).text
    # A family is announced even before its first sample; its series carry these suffixes.
    served = {
        family.name + suffix
        for family in text_string_to_metric_families(exposition)
        for suffix in ("", "_total", "_bucket", "_count", "_sum")
    }
    assert len(named) >= 8
    assert named - served == set()


def test_outbox_lag_and_delivery_failures_are_read_at_each_scrape(
    scraped: TestClient, session: Session
) -> None:
    failed = sample(scraped, "ehp_event_deliveries", status="failed")
    retrying = sample(scraped, "ehp_event_deliveries_retrying")
    now = utcnow()
    waiting = OutboxEvent(
        public_id="metrics-waiting", type="complaint.referred", subject="complaint/1",
        payload={}, audience=[], mail_audience=[], occurred_at=now - timedelta(seconds=300),
    )  # fmt: skip
    sent = OutboxEvent(
        public_id="metrics-sent", type="complaint.referred", subject="complaint/1", payload={},
        audience=[], mail_audience=[], occurred_at=now - timedelta(hours=2), dispatched_at=now,
    )  # fmt: skip
    session.add_all([waiting, sent])
    session.flush()
    for status, attempts, age in (
        (DeliveryStatus.pending, 1, 120),
        (DeliveryStatus.failed, 12, 900),
    ):
        session.add(
            Delivery(
                event_id=sent.id or 0, channel=EMAIL, recipient=f"{status}@ocha.example",
                view="full", status=status, attempts=attempts, next_attempt_at=now,
                created_at=now - timedelta(seconds=age),
            )
        )  # fmt: skip
    session.flush()

    assert 300 <= sample(scraped, "ehp_outbox_lag_seconds", stage="dispatch") < 400
    assert 120 <= sample(scraped, "ehp_outbox_lag_seconds", stage="delivery") < 220
    assert sample(scraped, "ehp_event_deliveries", status="failed") == failed + 1
    assert sample(scraped, "ehp_event_deliveries_retrying") == retrying + 1
    waiting.dispatched_at = now
    session.add(waiting)
    session.flush()
    assert sample(scraped, "ehp_outbox_lag_seconds", stage="dispatch") == 0
