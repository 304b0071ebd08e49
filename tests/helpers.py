"""Small helpers shared by the router tests."""

from typing import Any

from fastapi.testclient import TestClient


def all_items(
    client: TestClient, url: str, limit: int = 500, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated list, following `next_cursor`."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": limit, **params}
    while True:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


def codes(items: list[dict[str, Any]], key: str = "code") -> list[str]:
    return [item[key] for item in items]
