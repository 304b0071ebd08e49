"""One server for the outside-in suite, started by the README's first command on a fresh database
(SQLite, or PostgreSQL when EHP_TEST_DATABASE_URL names one)."""

from collections.abc import Iterator

import pytest

from tests.e2e import harness


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    with harness.fresh_database(tmp) as url, harness.served(tmp, url) as running:
        yield running
