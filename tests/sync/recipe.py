"""The partner's sync recipe (docs/api.md, "Keeping a copy: sync") as the sync tests run it, in
process (a `TestClient`) and against a served API (an `httpx.Client`) alike."""

from collections.abc import Callable
from typing import Any

import httpx

from tests.helpers import all_items

# Paths under the API's prefix, which the caller gives (`api`): "" for a client whose base URL
# holds it.
LISTS = {"reading": "/readings", "alert": "/alerts", "complaint": "/complaints"}
Copy = dict[str, dict[int, dict[str, Any]]]
# Read from other alerts when an alert is answered, not part of the alert's own change: a synced
# copy derives it, or reads the alert again (docs/api.md, Sync).
DERIVED = {"alert": {"possible_duplicates"}}


def sync_pass(
    client: httpx.Client,
    copy: Copy,
    since: str | None,
    *,
    api: str = "/api/v1",
    page_size: int = 2,
    between_pages: Callable[[], None] = lambda: None,
) -> tuple[str, list[tuple[str, int]]]:
    """One pass: every list by change since `since`, then the removals, with `between_pages` run
    after each page. Returns the next `since` (the first answer's `X-Server-Time`) and the
    removals applied."""
    next_since = None
    for kind, path in LISTS.items():
        query: dict[str, Any] = {"order": "changed", "limit": page_size}
        if since is not None:
            query["updated_since"] = since
        while True:
            response = client.get(api + path, params=query)
            assert response.status_code == 200, response.text
            next_since = next_since or response.headers["X-Server-Time"]
            page = response.json()
            copy[kind].update({item["id"]: item for item in page["items"]})
            between_pages()
            if page["next_cursor"] is None:
                break
            query["cursor"] = page["next_cursor"]
    removals = {"since": since} if since else {}
    removed = all_items(client, api + "/removals", limit=page_size, **removals)
    for item in removed:
        copy[item["kind"]].pop(item["id"], None)
    assert next_since is not None
    return next_since, [(item["kind"], item["id"]) for item in removed]


def server_state(client: httpx.Client, api: str = "/api/v1") -> Copy:
    return {
        kind: {i["id"]: i for i in all_items(client, api + path)} for kind, path in LISTS.items()
    }


def own_fields(copy: Copy) -> Copy:
    return {
        kind: {
            i: {k: v for k, v in item.items() if k not in DERIVED.get(kind, set())}
            for i, item in items.items()
        }
        for kind, items in copy.items()
    }
