"""Login limits from outside: the real server on a fresh database (SQLite, or PostgreSQL when
EHP_TEST_DATABASE_URL names one), called from two real addresses of this machine. An address
hammering an account is refused while the owner's address logs in; a threaded flood of refusals
writes a bounded number of audit events; the CLI's `purge-expired` summarises the refusals and
deletes the counters once their windows have ended."""

import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import DateTime, column, create_engine, func, select, table, update

from tests.e2e import harness

OWNER = "127.0.0.1"
ATTACKER = "127.0.0.2"  # another loopback address: another client as the server sees it
LOGIN = "/api/v1/auth/token"
ACCOUNT = "owner@ocha.example"
PASSWORD = "the owner's long password"
FLOOD = 120


def cli(server: harness.Server, *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [".venv/bin/ehp-api", *args],
        cwd=server.home,
        env=server.env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def client(server: harness.Server, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=server.base_url, transport=transport, timeout=60)


def attempt(server: harness.Server, source: str, password: str) -> int:
    with client(server, source) as http:
        return http.post(LOGIN, data={"username": ACCOUNT, "password": password}).status_code


def audit_events(server: harness.Server, admin_key: str, action: str) -> list[dict]:  # type: ignore[type-arg]
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        answer = http.get(
            "/api/v1/audit-events",
            params={"action": action, "limit": 200},
            headers={"Authorization": f"Bearer {admin_key}"},
        )
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["items"] if e["principal_name"] in (ACCOUNT, "*")]


def end_every_window(database_url: str) -> None:
    """Move every counter's and refusal run's end into the past, as a minute's wait would."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for name in ("rate_limit_counters", "login_refusals"):
            rows = table(name, column("expires_at", DateTime(timezone=True)))
            connection.execute(update(rows).values(expires_at=past))
    engine.dispose()


def count_rows(database_url: str, name: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
    engine.dispose()
    return count


def test_an_attacker_elsewhere_is_refused_the_owner_logs_in_refusals_are_summarised(
    server: harness.Server,
) -> None:
    cli(server, "create-user", ACCOUNT, "--org", "OCHA", "--role", "analyst", stdin=PASSWORD)
    admin_key = harness.cli_key(server, "OCHA", "admin")

    guesses = [attempt(server, ATTACKER, f"guess {n}") for n in range(6)]
    assert guesses == [401] * 5 + [429]
    assert attempt(server, OWNER, PASSWORD) == 200

    with ThreadPoolExecutor(8) as pool:
        flood = list(pool.map(lambda n: attempt(server, ATTACKER, f"g{n}"), range(FLOOD)))
    assert set(flood) == {429}
    assert attempt(server, OWNER, PASSWORD) == 200

    failed = audit_events(server, admin_key, "auth.login_failed")
    reasons = sorted(event["changes"]["reason"]["new"] for event in failed)
    # Five wrong passwords, then one event as the pair's refusals start and one as the
    # address's own limit (30 a minute over all accounts) starts refusing: not 121.
    assert reasons == ["bad_credentials"] * 5 + ["rate_limited"] * 2

    database_url = server.env["EHP_DATABASE_URL"]
    assert count_rows(database_url, "rate_limit_counters") > 0
    end_every_window(database_url)
    printed = cli(server, "purge-expired")
    # A user's shell whose locale names no language (the suite's C.UTF-8): the deployment's French.
    assert "2 série(s) terminée(s) de connexions refusées résumée(s)" in printed
    assert count_rows(database_url, "rate_limit_counters") == 0
    assert count_rows(database_url, "login_refusals") == 0

    summaries = audit_events(server, admin_key, "auth.login_refused")
    refused = {
        (event["principal_name"], event["changes"]["client_ip"]["new"]): event["changes"][
            "refused"
        ]["new"]
        for event in summaries
    }
    # Attempts 6 to 30 from the attacker were refused for the pair, 31 to 126 for the address.
    assert refused == {(ACCOUNT, ATTACKER): 25, ("*", ATTACKER): FLOOD + 6 - 30}
    # Every window ended: the attacker's address may try again.
    assert attempt(server, ATTACKER, "guess again") == 401
