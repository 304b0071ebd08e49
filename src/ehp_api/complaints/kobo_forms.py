"""The mapping of each KoboToolbox form to complaint fields, kept per form id and edited by the
secretariat. A mapping is data, not code: a new form version needs a new mapping, no release."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.complaints.models import KoboForm
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.principal import Principal
from ehp_api.organisations import service as organisations_service
from ehp_api.organisations.models import Organisation

XFORM_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,100}$"
IDENTITY_TARGETS = ("complainant.name", "complainant.phone", "follow_up_code")
BOOLEAN_TARGETS = (
    "sensitive",
    "complainant.anonymous",
    "complainant.consent_to_contact",
    "complainant.consent_to_share_identity",
)
TARGETS = (
    "channel",
    "category",
    "received_on",
    "location",
    "description",
    "organisation_concerned",
    "programme",
    "language",
    "complainant.sex",
    "complainant.age_group",
    *BOOLEAN_TARGETS,
    *IDENTITY_TARGETS,
)

EXAMPLE: dict[str, Any] = {
    "name": "Plaintes et retours communautaires - Mopti",
    "organisation": "HCR",
    "fields": {
        "channel": "grp_reception/canal",
        "received_on": "grp_reception/date_reception",
        "location": "grp_reception/cercle",
        "category": "grp_plainte/categorie",
        "description": "grp_plainte/description",
        "organisation_concerned": "grp_plainte/agence",
        "language": "grp_reception/langue",
        "complainant.anonymous": "grp_plaignant/anonyme",
        "complainant.name": "grp_plaignant/nom",
        "complainant.phone": "grp_plaignant/telephone",
        "complainant.sex": "grp_plaignant/sexe",
        "complainant.age_group": "grp_plaignant/age",
        "complainant.consent_to_contact": "grp_plaignant/accord_contact",
        "complainant.consent_to_share_identity": "grp_plaignant/accord_partage",
        "follow_up_code": "code_suivi",
    },
    "values": {
        "channel": {"ligne_verte": "hotline", "guichet": "help_desk", "boite": "suggestion_box"},
        "category": {
            "eas": "sea_allegation",
            "exclusion": "exclusion",
            "info": "information_request",
        },
        "complainant.age_group": {"moins_18": "0-17", "18_59": "18-59", "plus_60": "60+"},
        "language": {"fulfulde": "ff", "bambara": "bm", "francais": "fr"},
    },
    "defaults": {"language": "fr"},
}


class KoboFormIn(BaseModel):
    """`fields`: complaint field -> Kobo question path as Kobo sends it (`group/question`);
    `values`: per complaint field, Kobo choice name -> complaint value; `defaults`: values used
    when a question is unanswered (never for name, phone or follow-up code)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    name: str = Field(min_length=1, max_length=200, description="What the form is.")
    organisation: str = Field(
        max_length=32, description="Organisation whose API key posts this form's submissions."
    )
    fields: dict[str, str] = Field(description="Complaint field -> Kobo question path.")
    values: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Complaint field -> {Kobo choice: complaint value}."
    )
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="Complaint field -> value when unanswered."
    )

    @model_validator(mode="after")
    def _known_targets(self) -> "KoboFormIn":
        unknown = sorted((set(self.fields) | set(self.values) | set(self.defaults)) - set(TARGETS))
        if unknown:
            raise ValueError(
                tr(
                    "unknown complaint fields {unknown}; known: {TARGETS}",
                    unknown=unknown,
                    TARGETS=list(TARGETS),
                )
            )
        if set(self.defaults) & set(IDENTITY_TARGETS):
            raise ValueError(tr("name, phone and follow-up code have no default"))
        if "description" not in self.fields:
            raise ValueError(tr("the description must be mapped to a question"))
        return self


class KoboFormPublic(KoboFormIn):
    xform_id: str = Field(description="The form's id (`_xform_id_string` in submissions).")
    updated_by: str = Field(description="Who changed the mapping last.")
    updated_at: datetime = Field(description="When (UTC).")


def to_public(session: Session, forms: list[KoboForm]) -> list[KoboFormPublic]:
    """The mappings with their organisations' codes, read in one query."""
    ids = {form.organisation_id for form in forms}
    codes = dict(
        session.exec(
            select(Organisation.id, Organisation.code).where(Organisation.id.in_(ids))
        ).all()
    )
    return [_public(form, codes.get(form.organisation_id, "")) for form in forms]


def _public(form: KoboForm, organisation: str) -> KoboFormPublic:
    return KoboFormPublic(
        xform_id=form.xform_id,
        name=form.name,
        organisation=organisation,
        fields=form.fields,
        values=form.values,
        defaults=form.defaults,
        updated_by=form.updated_by,
        updated_at=form.updated_at,
    )


def find(session: Session, xform_id: str) -> KoboForm | None:
    return session.exec(select(KoboForm).where(KoboForm.xform_id == xform_id)).first()


def get(session: Session, xform_id: str) -> KoboForm:
    form = find(session, xform_id)
    if form is None:
        raise NotFound(
            tr(
                "No mapping for the Kobo form {xform_id!r}.",
                xform_id=xform_id,
            )
        )
    return form


def list_(session: Session, page: PageParams) -> tuple[list[KoboForm], str | None]:
    return paginate(session, select(KoboForm), KoboForm.id, page)


def put(
    session: Session, actor: Principal, xform_id: str, data: KoboFormIn
) -> tuple[KoboForm, bool]:
    """Create or replace the mapping of a form; returns it and whether it is new."""
    organisation = organisations_service.get_by_code(
        session, data.organisation, field="organisation"
    )
    form = find(session, xform_id)
    created = form is None
    before = None if form is None else _snapshot(form)
    if form is None:
        form = KoboForm(
            xform_id=xform_id,
            organisation_id=organisation.id or 0,
            name=data.name,
            updated_by=actor.name,
        )
        session.add(form)
    form.name, form.organisation_id = data.name, organisation.id or 0
    form.fields, form.values, form.defaults = data.fields, data.values, data.defaults
    form.updated_by, form.updated_at = actor.name, utcnow()
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            tr(
                "The mapping of {xform_id!r} was created at the same time; retry.",
                xform_id=xform_id,
            )
        ) from None
    changes = audit.diff(before, _snapshot(form))
    if changes:
        action = "kobo_form.create" if created else "kobo_form.update"
        audit.record(session, actor, action, "kobo_form", xform_id, changes)
    return form, created


def _snapshot(form: KoboForm) -> dict[str, Any]:
    fields = ("name", "organisation_id", "fields", "values", "defaults")
    return {name: getattr(form, name) for name in fields}
