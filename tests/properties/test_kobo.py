"""KoboToolbox submissions with any answers: a complaint, or a 4xx problem that names the
complaint field and the Kobo question but never repeats an answer; nothing stored on refusal."""

import string
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from ehp_api.complaints import kobo
from ehp_api.complaints.models import Complaint, KoboForm
from ehp_api.core.errors import AppError
from tests.complaints.kobo_data import FORMS, INTAKE, MAPPING, XFORM_ID, submission
from tests.properties.checks import assert_answer, http_settings, json_values

QUESTIONS = sorted(MAPPING["fields"].values())
# Answers that cannot appear in a message by chance: a refusal that shows one leaks it.
secrets = st.text(alphabet=string.ascii_letters, min_size=8, max_size=16).map("Zq{}Xj".format)


@st.composite
def submissions(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A realistic submission with some answers replaced (or removed), and the secret answers."""
    body = submission(uuid=str(draw(st.uuids())))
    shown: list[str] = []
    for question in draw(st.lists(st.sampled_from(QUESTIONS), unique=True, max_size=6)):
        answer = draw(st.one_of(secrets, json_values, st.none()))
        if answer is None:
            body.pop(question, None)
            continue
        body[question] = answer
        if isinstance(answer, str) and answer.startswith("Zq"):
            shown.append(answer)
    for meta in draw(st.lists(st.sampled_from(["_uuid", "_xform_id_string", "today"]), max_size=2)):
        body[meta] = draw(json_values)
    return body, shown


def form() -> KoboForm:
    return KoboForm(
        xform_id=XFORM_ID,
        name=MAPPING["name"],
        organisation_id=1,
        fields=MAPPING["fields"],
        values=MAPPING["values"],
        defaults=MAPPING["defaults"],
        updated_by="test",
    )


class TestToComplaint:
    @given(case=submissions())
    def test_a_complaint_or_a_refusal_naming_fields_never_answers(
        self, case: tuple[dict[str, Any], list[str]]
    ) -> None:
        body, shown = case
        refusal = _refusal(body)
        if refusal is None:
            return
        assert refusal.status_code == 422
        assert refusal.errors
        text = refusal.detail + " ".join(e.reason for e in refusal.errors)
        for error in refusal.errors:
            assert error.field
            assert error.reason
        for answer in shown:
            assert answer not in text


def _refusal(body: dict[str, Any]) -> AppError | None:
    try:
        data, _ = kobo.to_complaint(form(), body)
    except AppError as refusal:
        return refusal
    assert data.description
    return None


def complaints(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Complaint)).one()


class TestIntakeThroughTheApi:
    @http_settings()
    @given(case=submissions())
    def test_a_receipt_or_a_problem_and_nothing_stored_on_refusal(
        self,
        ocha: TestClient,
        hcr: TestClient,
        session: Session,
        case: tuple[dict[str, Any], list[str]],
    ) -> None:
        assert ocha.put(f"{FORMS}/{XFORM_ID}", json=MAPPING).status_code in (200, 201)
        body, shown = case
        before = complaints(session)
        response = hcr.post(INTAKE, json=body)
        assert_answer(response, 200, 201)
        assert complaints(session) == before + (response.status_code == 201)
        if response.status_code >= 400:
            for answer in shown:
                assert answer not in response.text
