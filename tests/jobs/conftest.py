"""The jobs' tests run on a committed database of their own (the notifications' live service:
migrated, seeded, with an SMTP server), as the worker does; the jobs' rows are cleared first."""

import pytest

from tests.notifications.conftest import Live, live_service

__all__ = ["live_service"]


@pytest.fixture
def live(live_service: Live) -> Live:
    live_service.mailbox.messages.clear()
    with live_service.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM scheduled_jobs")
    return live_service
