"""Helpers for the register's tests."""

from typing import Any

from fastapi.testclient import TestClient


def created(client: TestClient, path: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/register/{path}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def meeting(client: TestClient, held_on: str, kind: str = "ordinary", protection: bool = True):  # type: ignore[no-untyped-def]
    return created(client, "meetings", held_on=held_on, kind=kind, protection_on_agenda=protection)


def note(client: TestClient, received_on: str, deliberated: bool):  # type: ignore[no-untyped-def]
    return created(
        client, "notes", title="Note", received_on=received_on, area="child_protection",
        deliberated=deliberated,
    )  # fmt: skip


def request(client: TestClient, asked_on: str, **fields: Any):  # type: ignore[no-untyped-def]
    return created(
        client, "information-requests", subject="Trends", asked_on=asked_on, asked_by="OCHA",
        **fields,
    )  # fmt: skip


def decision(client: TestClient, *points: dict[str, Any], decided_on: str = "2021-05-10"):  # type: ignore[no-untyped-def]
    return created(
        client, "decisions", decided_on=decided_on, text="Write to the governor",
        action_points=list(points),
    )  # fmt: skip


def point(owner: str, due_on: str, description: str = "Draft the letter") -> dict[str, Any]:
    return {"description": description, "owner": owner, "due_on": due_on}
