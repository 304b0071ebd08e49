"""Organisations: the EHP members and other actors named in the plan."""

from fastapi.testclient import TestClient

from tests.helpers import all_items, codes


def test_ehp_members(client: TestClient) -> None:
    members = set(codes(all_items(client, "/api/v1/organisations", ehp_member="true")))
    assert members == {"HCR", "UNICEF", "UNFPA", "OIM", "OCHA", "FONGIM"}


def test_undp_is_an_other_actor_not_an_ehp_member(client: TestClient) -> None:
    """The plan names UNDP only among the other actors, as "Chef de file Développement"."""
    undp = client.get("/api/v1/organisations/UNDP").json()
    assert undp["ehp_member"] is False
    assert "AUTRES ACTEURS" in undp["description"]


def test_groups_and_bodies_are_actors_too(client: TestClient) -> None:
    found = set(codes(all_items(client, "/api/v1/organisations")))
    assert {"CLUSTER-PROTECTION", "COMM-GROUP", "DONORS", "MINUSMA", "PROCAP"} <= found


def test_filter_by_kind(client: TestClient) -> None:
    missions = codes(all_items(client, "/api/v1/organisations", kind="peacekeeping_mission"))
    assert missions == ["MINUSMA"]


def test_get_by_code(client: TestClient) -> None:
    ocha = client.get("/api/v1/organisations/OCHA").json()
    assert ocha["kind"] == "un_secretariat_office"
    assert ocha["ehp_member"] is True
    assert "OCHA" in ocha["aliases"]


def test_unknown_code_is_a_404(client: TestClient) -> None:
    assert client.get("/api/v1/organisations/NOPE").status_code == 404
