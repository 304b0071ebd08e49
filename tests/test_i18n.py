"""French and English: the request's language, every kind of problem in French, the labels of
every enum, and a catalog with a French text for every message the code marks."""

import importlib
import pkgutil
import re
import tempfile
from collections.abc import Callable
from enum import Enum
from pathlib import Path

import pydantic_core
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import ehp_api
from ehp_api.core.config import Settings
from ehp_api.core.errors import validation_reason
from ehp_api.core.i18n import LABELS, Language, negotiate, po_path, translate
from ehp_api.core.permissions import Role
from ehp_api.core.validation_messages import TEMPLATES
from ehp_api.main import create_app
from tests import builders

FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}
SRC = Path(ehp_api.__file__).parent
FIELD = re.compile(r"\{([^{}!:]*)[^{}]*\}")


def fields(text: str) -> set[str]:
    return set(FIELD.findall(text.replace("{{", "").replace("}}", "")))


def assert_french(response, status: int, title: str, detail_start: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Content-Language"] == "fr"
    assert "Accept-Language" in response.headers["Vary"]
    body = response.json()
    assert (body["title"], body["status"]) == (title, status)
    assert body["detail"].startswith(detail_start), body["detail"]
    return body  # type: ignore[no-any-return]


class TestNegotiation:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("fr", Language.fr),
            ("fr-ML", Language.fr),
            ("en-GB,en;q=0.9,fr;q=0.8", Language.en),
            ("en;q=0.5, fr;q=0.8", Language.fr),
            ("de-DE,de;q=0.9", Language.en),  # neither: the default
            ("*", Language.en),
            ("fr;q=0", Language.en),  # q=0 refuses French
            ("de, en;q=0.1", Language.en),
            ("", Language.en),
        ],
    )
    def test_the_highest_weight_wins_and_the_rest_is_the_default(
        self, header: str, expected: Language
    ) -> None:
        assert negotiate(header, Language.en) == expected

    def test_the_default_answers_for_other_languages(self) -> None:
        assert negotiate("de, es;q=0.5", Language.fr) == Language.fr

    def test_the_product_default_is_french(self) -> None:
        assert Settings.model_fields["default_language"].default == "fr"

    def test_a_request_without_the_header_gets_the_default(self, settings: Settings) -> None:
        french = create_app(settings.model_copy(update={"default_language": "fr"}))
        with TestClient(french) as client:
            response = client.get("/api/v1/strategy")
            asked = client.get("/api/v1/strategy", headers={"Accept-Language": "en"})
        assert_french(response, 401, "Non authentifié", "Envoyez `Authorization: Bearer")
        assert asked.headers["Content-Language"] == "en"
        assert asked.json()["title"] == "Unauthorized"


class TestFrenchProblems:
    def test_401(self, anon_client: TestClient) -> None:
        response = anon_client.get("/api/v1/strategy", headers=FR)
        assert_french(response, 401, "Non authentifié", "Envoyez `Authorization: Bearer")

    def test_403(self, client: TestClient) -> None:
        response = client.get("/api/v1/audit-events", headers=FR)
        body = assert_french(response, 403, "Interdit", "Le rôle analyst ne permet pas")
        assert "audit:read" in body["detail"]

    def test_404_of_a_record_and_of_a_path(self, client: TestClient) -> None:
        record = client.get("/api/v1/alerts/999999", headers=FR)
        assert_french(record, 404, "Introuvable", "Aucune alerte 999999 que vous puissiez voir.")
        path = client.get("/api/v1/nothing-here", headers=FR)
        assert_french(path, 404, "Introuvable", "Aucune ressource à /api/v1/nothing-here.")

    def test_409(self, client_as: Callable[..., TestClient]) -> None:
        admin = client_as(Role.admin, "OCHA")
        body = {"code": "HCR", "name_fr": "Doublon", "kind": "un_agency"}
        response = admin.post("/api/v1/organisations", json=body, headers=FR)
        assert_french(response, 409, "Conflit", "Une organisation avec le code 'HCR' existe déjà.")

    def test_422_body_names_each_field_in_french(self, hcr: TestClient) -> None:
        response = hcr.post("/api/v1/alerts", json={"severity": "high"}, headers=FR)
        body = assert_french(response, 422, "Requête invalide", "La requête est invalide : ")
        reasons = {e["field"]: (e["reason"], e["code"]) for e in body["errors"]}
        assert reasons["kind"] == ("Champ obligatoire", "missing")
        # codes stay English identifiers
        assert reasons["severity"] == ("L'entrée doit être un entier valide", "int_type")

    def test_422_query(self, client: TestClient) -> None:
        response = client.get("/api/v1/activities?leed=HCR", headers=FR)
        body = assert_french(response, 422, "Requête invalide", "La requête est invalide : ")
        [error] = body["errors"]
        assert (error["location"], error["field"]) == ("query", "leed")
        assert error["reason"].startswith("paramètre de requête inconnu (vouliez-vous dire `lead`")

    def test_422_of_an_enum_lists_the_choices_in_french(self, client: TestClient) -> None:
        response = client.get("/api/v1/indicators?measure=ratio", headers=FR)
        body = assert_french(response, 422, "Requête invalide", "La requête est invalide : ")
        [error] = body["errors"]
        assert error["reason"] == "L'entrée doit être 'count', 'percentage' ou 'boolean'"

    def test_429(self, anon_client: TestClient, session) -> None:  # type: ignore[no-untyped-def]
        builders.user(session, "cible@ocha.example")
        form = {"username": "cible@ocha.example", "password": "mauvais"}
        statuses = [
            anon_client.post("/api/v1/auth/token", data=form, headers=FR).status_code
            for _ in range(5)
        ]
        assert statuses == [401] * 5
        response = anon_client.post("/api/v1/auth/token", data=form, headers=FR)
        assert_french(response, 429, "Trop de requêtes", "Trop de tentatives ; réessayez dans ")

    def test_413(self, hcr: TestClient) -> None:
        body = b'{"narrative": "' + b"x" * 2**20 + b'"}'
        headers = {**FR, "Content-Type": "application/json"}
        response = hcr.post("/api/v1/alerts", content=body, headers=headers)
        problem = assert_french(
            response,
            413,
            "Contenu trop volumineux",
            "Le corps de la requête est plus grand que 1 MB",
        )
        assert problem["errors"][0]["reason"].endswith("; envoyez des lots plus petits")

    def test_503(self) -> None:
        empty = Path(tempfile.mkdtemp(prefix="ehp-unmigrated-")) / "empty.db"
        settings = Settings(database_url=f"sqlite:///{empty}", _env_file=None)
        with TestClient(create_app(settings)) as client:
            response = client.get("/readyz", headers=FR)
        assert_french(response, 503, "Service indisponible", "Le schéma de la base de données")

    def test_english_stays_english(self, client: TestClient) -> None:
        response = client.get("/api/v1/alerts/999999", headers={"Accept-Language": "en"})
        assert response.headers["Content-Language"] == "en"
        assert response.json()["detail"] == "No alert 999999 that you may see."


def _catalog() -> dict[str, tuple[str, bool]]:
    with po_path(Language.fr).open("rb") as po:
        return {m.id: (m.string, m.fuzzy) for m in read_po(po) if m.id}


class TestCatalog:
    def test_every_marked_message_has_its_french(self) -> None:
        """What CI runs: a message marked in the code (tr, N_) and missing from the French
        catalog, empty there or fuzzy, fails here; `make messages` then translating fixes it."""
        catalog = _catalog()
        marked = {
            message
            for _, _, message, _, _ in extract_from_dir(
                SRC, keywords={"tr": None, "N_": None}, comment_tags=()
            )
        }
        assert marked - catalog.keys() == set(), "run `make messages` and translate"
        untranslated = sorted(m for m in marked if not catalog[m][0] or catalog[m][1])
        assert untranslated == [], "empty or fuzzy in fr/LC_MESSAGES/messages.po"

    def test_no_entry_is_fuzzy(self) -> None:
        """A fuzzy entry is left out when the catalog is compiled: its message would be English
        while the catalog seems to hold its French. `make messages` matches nothing fuzzily
        (`--no-fuzzy-matching`); an entry flagged by hand, or by another tool, fails here, marked
        in the code or not (the header too)."""
        with po_path(Language.fr).open("rb") as po:
            catalog = read_po(po)
        assert not catalog.fuzzy, "the header of fr/LC_MESSAGES/messages.po is fuzzy"
        assert sorted(m.id for m in catalog if m.id and m.fuzzy) == []

    def test_make_messages_never_matches_fuzzily(self) -> None:
        makefile = (Path(__file__).parents[1] / "Makefile").read_text(encoding="utf-8")
        [update] = [line for line in makefile.splitlines() if "pybabel update" in line]
        assert "--no-fuzzy-matching" in update

    def test_a_translation_keeps_the_fields_of_its_message(self) -> None:
        """The same fields, or formatting would fail; pydantic's templates are the exception:
        their French leaves out `{expected_plural}`, which pydantic computes and never passes."""
        pydantic = set(TEMPLATES.values())
        wrong = {
            m: s
            for m, (s, _) in _catalog().items()
            if not (fields(s) <= fields(m) if m in pydantic else fields(s) == fields(m))
        }
        assert wrong == {}

    def test_pydantic_reasons_are_those_of_the_installed_version(self) -> None:
        installed = {
            e["type"]: e["message_template_python"]
            for e in pydantic_core._pydantic_core.list_all_errors()
        }
        assert installed == TEMPLATES

    @pytest.mark.parametrize(
        "error", pydantic_core._pydantic_core.list_all_errors(), ids=lambda e: e["type"]
    )
    def test_each_pydantic_reason_reads_in_french(self, error: dict) -> None:  # type: ignore[type-arg]
        context = error.get("example_context") or {}
        english = {"type": error["type"], "msg": "English", "ctx": context}
        french = validation_reason(english, Language.fr)
        assert french != "English"
        assert french == translate(TEMPLATES[error["type"]], Language.fr).format(**context)


def _enums_of_the_models() -> set[type[Enum]]:
    found: set[type[Enum]] = set()
    for module in pkgutil.walk_packages(ehp_api.__path__, "ehp_api."):
        if not module.name.endswith((".models", ".permissions", ".principal")):
            continue
        namespace = vars(importlib.import_module(module.name))
        found |= {
            value
            for value in namespace.values()
            if isinstance(value, type)
            and issubclass(value, Enum)
            and value.__module__ == module.name
        }
    return found


class TestLabels:
    def test_every_enum_of_the_models_has_a_label_per_value_in_both_languages(self) -> None:
        enums = _enums_of_the_models()
        assert len(enums) >= 20
        catalog = _catalog()
        for enum in enums:
            labels = LABELS.get(enum)
            assert labels is not None, f"{enum.__name__} has no labels (enum_labels)"
            for member in enum:
                english = labels[member]
                assert english, f"{enum.__name__}.{member.name}"
                assert catalog[english][0], f"{enum.__name__}.{member.name}"

    def test_the_endpoint_serves_every_enum_of_the_document(self, client: TestClient) -> None:
        response = client.get("/api/v1/labels", headers=FR)
        assert response.status_code == 200
        assert response.headers["Content-Language"] == "fr, en"
        served = response.json()["enums"]
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        documented = {name: s["enum"] for name, s in schemas.items() if "enum" in s}
        assert {name: list(values) for name, values in served.items()} == documented
        assert served["AlertStatus"]["under_review"] == {
            "fr": "En cours d'examen",
            "en": "Under review",
        }
        assert served["ReadingStatus"]["validated"] == {"fr": "Validé", "en": "Validated"}

    def test_reading_the_labels_needs_credentials(self, anon_client: TestClient) -> None:
        assert anon_client.get("/api/v1/labels").status_code == 401
