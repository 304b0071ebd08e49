"""Swagger UI and ReDoc in a real browser (headless Chromium) against the server `make run`
started, with no network but that server: what a client team's developer sees, offline.

Debian's Chromium (`make install-browser`), driven by Playwright; Playwright's own browser
download (`playwright install`) is never used.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e import harness

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: `make install-browser` installs Debian's chromium",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is missing: `make install` installs the dev extras"
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_HOST = "127.0.0.1"
# A busy 2-core machine: Swagger UI lays out a document of some 250 kB in a few seconds.
TIMEOUT_MS = 30_000


@dataclass
class Watched:
    """A page whose every request to another host is refused, and what went wrong on it."""

    page: Any
    elsewhere: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def troubles(self) -> dict[str, list[str]]:
        return {"requests to another host": self.elsewhere, "errors": self.errors}


def watch(page: Any) -> Watched:
    watched = Watched(page)

    def only_the_server(route: Any) -> None:
        if urlsplit(route.request.url).hostname == SERVER_HOST:
            route.continue_()
        else:
            watched.elsewhere.append(route.request.url)
            route.abort()

    def note_request(request: Any) -> None:
        # Also the requests the route never sees: those the page's CSP blocks before the network.
        url = request.url
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).hostname != SERVER_HOST:
            watched.elsewhere.append(url)

    page.route("**/*", only_the_server)
    page.on("request", note_request)
    # CSP violations are console errors; uncaught exceptions are page errors.
    page.on("console", lambda m: m.type == "error" and watched.errors.append(m.text))
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    return watched


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def document(server: harness.Server) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/openapi.json", timeout=30)
    response.raise_for_status()
    return dict(response.json())


@pytest.fixture(scope="module")
def swagger(browser: Any, server: harness.Server, document: dict[str, Any]) -> Iterator[Watched]:
    """/docs, loaded once and rendered (the tests below use different parts of it)."""
    context = browser.new_context()
    watched = watch(context.new_page())
    watched.page.goto(f"{server.base_url}/docs")
    watched.page.locator("h3.opblock-tag").first.wait_for()
    yield watched
    context.close()


@pytest.fixture
def redoc(browser: Any, server: harness.Server) -> Iterator[Watched]:
    context = browser.new_context()
    watched = watch(context.new_page())
    watched.page.goto(f"{server.base_url}/redoc")
    yield watched
    context.close()


def operation_ids(document: dict[str, Any]) -> list[str]:
    return [
        operation["operationId"]
        for path_item in document["paths"].values()
        for operation in path_item.values()
    ]


def test_swagger_ui_shows_every_tag_of_the_document(
    swagger: Watched, document: dict[str, Any]
) -> None:
    shown = swagger.page.locator("h3.opblock-tag").evaluate_all(
        "tags => tags.map(tag => tag.dataset.tag)"
    )
    assert shown == [tag["name"] for tag in document["tags"]]
    assert swagger.troubles() == {"requests to another host": [], "errors": []}


def test_swagger_ui_authorizes_with_an_api_key_and_tries_the_activities_list(
    swagger: Watched, server: harness.Server
) -> None:
    page = swagger.page
    page.locator("button.authorize").first.click()
    api_key = page.locator(".auth-container", has=page.locator("h4", has_text="ApiKey"))
    api_key.locator("input").fill(harness.cli_key(server, "OCHA", "analyst"))
    api_key.locator("button.authorize").click()
    api_key.get_by_text("Authorized").wait_for()
    api_key.locator("button.btn-done").click()
    page.locator(".modal-ux").wait_for(state="detached")

    operation = page.locator("#operations-work_plan-list_activities")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    answer = operation.locator(".live-responses-table")
    status = answer.locator("tr.response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200", answer.inner_text()
    assert swagger.troubles() == {"requests to another host": [], "errors": []}


def test_redoc_shows_the_document_and_finds_an_operation(
    redoc: Watched, document: dict[str, Any]
) -> None:
    page = redoc.page
    info = document["info"]
    page.locator("h1", has_text=f"{info['title']} ({info['version']})").wait_for()
    menu = page.locator("li[role=menuitem] > label.-depth1").all_inner_texts()
    assert [label.strip() for label in menu] == [tag["name"] for tag in document["tags"]]
    listed = page.locator("li[data-item-id*='/operation/']").evaluate_all(
        "items => items.map(item => item.dataset.itemId.split('/operation/')[1])"
    )
    assert sorted(listed) == sorted(operation_ids(document))
    # The search index is built in a worker: the CSP once refused it, and search found nothing.
    page.get_by_placeholder("Search...").fill("list activities")
    page.locator(
        "[data-role='search:results'] [data-item-id$='/operation/list_activities']"
    ).wait_for()
    assert redoc.troubles() == {"requests to another host": [], "errors": []}
