"""Locations and the Liptako Gourma focus area."""

from fastapi.testclient import TestClient

from tests.helpers import all_items, codes


def pcodes(items: list[dict]) -> list[str]:
    return codes(items, key="pcode")


def test_ten_regions_and_49_cercles(client: TestClient) -> None:
    assert len(all_items(client, "/api/v1/locations", level=1)) == 10
    assert len(all_items(client, "/api/v1/locations", level=2)) == 49


def test_cercles_of_a_region(client: TestClient) -> None:
    assert pcodes(all_items(client, "/api/v1/locations", parent="ML07")) == [
        "ML0701", "ML0702", "ML0703",
    ]  # fmt: skip


def test_location_detail_names_its_parent(client: TestClient) -> None:
    cercle = client.get("/api/v1/locations/ML0701").json()
    assert cercle == {"pcode": "ML0701", "name": "Ansongo", "level": 2, "parent": "ML07"}


def test_focus_area_includes_the_cercles_of_its_regions(client: TestClient) -> None:
    found = pcodes(all_items(client, "/api/v1/locations", focus_area="liptako_gourma"))
    assert {"ML05", "ML06", "ML07", "ML08", "ML10", "ML0701", "ML1001", "ML0506"} <= set(found)
    assert not {"ML01", "ML09", "ML0901", "ML0305"} & set(found)


def test_focus_area_membership_depends_on_the_date(client: TestClient) -> None:
    before = all_items(client, "/api/v1/locations", focus_area="liptako_gourma", on="2019-12-31")
    assert before == []


def test_focus_area_detail(client: TestClient) -> None:
    area = client.get("/api/v1/focus-areas/liptako_gourma").json()
    assert area["versions"][0]["valid_from"] == "2020-01-01"
    assert area["versions"][0]["pcodes"] == ["ML05", "ML06", "ML07", "ML08", "ML10"]
    assert codes(all_items(client, "/api/v1/focus-areas")) == ["liptako_gourma"]


def test_malformed_pcode_is_a_422(client: TestClient) -> None:
    assert client.get("/api/v1/locations/Gao").status_code == 422


def test_unknown_pcode_is_a_404(client: TestClient) -> None:
    assert client.get("/api/v1/locations/ML99").status_code == 404


def test_an_unknown_filter_value_is_a_422_naming_the_filter(client: TestClient) -> None:
    for name, value in [("parent", "ML00"), ("focus_area", "sahel")]:
        response = client.get("/api/v1/locations", params={name: value})
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert (error["location"], error["field"], error["code"]) == ("query", name, "unknown_code")
        assert value in error["reason"]


def test_the_membership_date_is_iso_8601_not_a_bare_number(client: TestClient) -> None:
    # Found by schema fuzzing: `on=0` was read as 1970-01-01 (200).
    for number in ("0", "1624406400", "2021"):
        response = client.get("/api/v1/locations", params={"on": number})
        assert response.status_code == 422, number
        assert response.json()["errors"][0]["field"] == "on"
    assert client.get("/api/v1/locations", params={"on": "2021-06-30"}).status_code == 200
