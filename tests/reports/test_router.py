"""/reports/quarterly/{period}.docx: the note in French and English, its figures the dashboard's,
its charts present, and nothing the caller's dashboard suppresses written in it."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from docx import Document
from docx.document import Document as Doc
from fastapi.testclient import TestClient

from ehp_api.core.permissions import Role
from tests.alerts.conftest import create, step
from tests.complaints.conftest import create as complaint
from tests.complaints.conftest import refer
from tests.dashboard.test_router import dashboard, find
from tests.register.conftest import decision, point

URL = "/api/v1/reports/quarterly/{}.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def quarter(client_as: Callable[..., TestClient], ocha: TestClient, hcr: TestClient) -> None:
    """2021Q2 from readings, alerts, complaints, a lead's status and the register; an alert of
    2021Q1 too, for the charts over four quarters."""
    for org, location, value in (("HCR", "ML0701", 4), ("UNICEF", "ML0901", 6)):
        partner = client_as(Role.partner, org)
        body = {"indicator": "1.1.1.1", "period": "2021Q2", "location": location, "value": value}
        reading = partner.post("/api/v1/readings", json=body)
        assert reading.status_code == 201, reading.text
        assert ocha.post(f"/api/v1/readings/{reading.json()['id']}/validate").status_code == 200
    for location in ("ML0701", "ML0701", "ML0901"):
        step(hcr, create(hcr, location=location)["id"], "shared", on="2021-05-03")
    earlier = create(hcr, location="ML0501", occurred_on="2021-02-01", reported_on="2021-02-02")
    step(hcr, earlier["id"], "shared", on="2021-02-03")
    first = complaint(hcr, received_on="2021-06-10")
    refer(hcr, first["id"], on="2021-06-11", due_on="2021-06-25")
    status = {"status": "delayed", "comment": "Forum postponed to June."}
    assert hcr.put("/api/v1/activities/1.1.2/status/2021Q2", json=status).status_code == 201
    decision(ocha, point("HCR", "2021-06-01", "Write to the governor of Gao"))
    goals = {"baselines": [], "targets": [{"year": 2021, "value": 40}]}
    assert ocha.put("/api/v1/indicators/1.1.1.1/targets", json=goals).status_code == 200


def note(client: TestClient, **params: Any) -> Doc:
    response = client.get(URL.format("2021Q2"), params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    language = params.get("lang", "en")
    assert response.headers["content-language"] == language
    disposition = f'attachment; filename="ehp-note-2021Q2-{language}.docx"'
    assert response.headers["content-disposition"] == disposition
    return Document(io.BytesIO(response.content))


def headings(doc: Doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def rows(doc: Doc, first_header: str) -> dict[str, list[str]]:
    """The rows of the tables whose first header cell is `first_header`, by their first cell."""
    found = {}
    for table in doc.tables:
        if table.rows[0].cells[0].text == first_header:
            found.update({r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]})
    return found


def test_the_note_is_written_in_the_language_asked(quarter: None, ocha: TestClient) -> None:
    english, french = note(ocha), note(ocha, lang="fr")
    assert headings(english)[:2] == ["Quarterly protection note, 2021Q2", "Summary"]
    assert {"Progress by axis and objective, against targets", "Activity statuses",
            "Liptako Gourma shares", "Decisions of the EHP"} <= set(headings(english))  # fmt: skip
    assert headings(french)[:2] == ["Note trimestrielle de protection, 2021Q2", "Synthèse"]
    in_french = {"Progrès par axe et objectif, au regard des cibles", "État des activités",
                 "Parts dans le Liptako Gourma", "Décisions de l'EHP"}  # fmt: skip
    assert in_french <= set(headings(french))
    assert len(headings(english)) == len(headings(french))
    assert rows(french, "Activité")["1.1.2"][1:] == ["En retard", "Forum postponed to June."]
    assert rows(english, "Activity")["1.1.2"][1:] == ["Delayed", "Forum postponed to June."]


def test_accept_language_chooses_too(quarter: None, ocha: TestClient) -> None:
    response = ocha.get(URL.format("2021Q2"), headers={"Accept-Language": "fr-ML, en;q=0.5"})
    assert response.headers["content-language"] == "fr"
    assert "Synthèse" in headings(Document(io.BytesIO(response.content)))


def test_the_figures_are_the_dashboard_s(quarter: None, ocha: TestClient) -> None:
    board, doc = dashboard(ocha), note(ocha)
    counts = find(board, "1.1.1.1")
    target = counts["targets"][0]
    assert (target["target"], target["achieved_to_date"], target["percent_of_target"]) == (
        40,
        10,
        25,
    )
    assert rows(doc, "Indicator")["1.1.1.1"][1:] == [
        str(counts["value"]),
        str(counts["cumulative_value"]),
        "40",
        "10",
        "25 %",
    ]
    liptako = rows(doc, "Indicator")
    assert liptako["Protection alerts"][0] == f"{board['alerts']['liptako_gourma_share']:g} %"
    assert liptako[f"1.1.1.1 {counts['text_fr']}"][0] == f"{counts['liptako_gourma_share']:g} %"
    alerts = board["alerts"]
    assert {k.split()[0]: v[0] for k, v in rows(doc, "Cercle").items()} == {
        c["key"]: str(c["count"]) for c in alerts["by_cercle"]
    }
    assert {k.split()[0]: v[0] for k, v in rows(doc, "Region").items()} == {
        "ML07": "2",
        "ML09": "1",
    }
    complaints = board["complaints"]
    assert rows(doc, "Quarter")["2021Q2"] == [
        str(complaints["referred"]),
        str(complaints["responded"]),
    ]
    summary = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert f"Protection alerts: {alerts['total']}, of which 66.67 % in Liptako Gourma." in summary
    assert "Decisions of the EHP this quarter: 1;" in " ".join(summary)
    overdue = rows(doc, "Due on")
    assert overdue["2021-06-01"] == ["HCR", "Write to the governor of Gao", "Open"]


def test_the_charts_are_in_the_note(quarter: None, ocha: TestClient) -> None:
    doc = note(ocha)
    assert len(doc.inline_shapes) == 4  # alerts by category, by region; complaints; reporting
    for shape in doc.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        assert doc.part.related_parts[blip].blob.startswith(b"\x89PNG")
    assert rows(doc, "Quarter").keys() == {"2020Q3", "2020Q4", "2021Q1", "2021Q2"}


def test_an_analyst_gets_no_figure_the_dashboard_suppresses(
    quarter: None, ocha: TestClient, client: TestClient
) -> None:
    shown = {c["key"]: c for c in dashboard(client)["alerts"]["by_cercle"]}
    assert shown["ML0701"] == {"key": "ML0701", "count": None, "suppressed": True}
    full = {k.split()[0]: v[0] for k, v in rows(note(ocha), "Cercle").items()}
    assert full["ML0701"] == "2"  # what the secretariat's note says, and the analyst's must not
    doc = note(client)
    cercles = {k.split()[0]: v[0] for k, v in rows(doc, "Cercle").items()}
    assert cercles == {"ML0701": "suppressed", "ML0901": "suppressed"}
    summary = " ".join(p.text for p in doc.paragraphs)
    assert "Counts from 1 to 4 are suppressed for your role" in summary


def test_a_year_or_an_unknown_quarter_is_refused(ocha: TestClient) -> None:
    assert ocha.get(URL.format("2021")).status_code == 422
    assert ocha.get(URL.format("2019Q1")).status_code == 404


def test_without_credentials_there_is_no_note(anon_client: TestClient) -> None:
    assert anon_client.get(URL.format("2021Q2")).status_code == 401
