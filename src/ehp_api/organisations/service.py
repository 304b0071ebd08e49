"""Queries over organisations."""

from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.core.db import utcnow
from ehp_api.core.errors import Conflict, InvalidInput, InvalidParam, NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.principal import Principal
from ehp_api.organisations.models import Organisation, OrganisationKind
from ehp_api.organisations.schemas import OrganisationCreate, OrganisationUpdate
from ehp_api.web import reference


def list_(
    session: Session,
    page: PageParams,
    *,
    kind: OrganisationKind | None = None,
    ehp_member: bool | None = None,
) -> tuple[list[Organisation], str | None]:
    stmt = select(Organisation)
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    if ehp_member is not None:
        stmt = stmt.where(Organisation.ehp_member == ehp_member)
    return paginate(session, stmt, Organisation.id, page)


def codes(session: Session) -> dict[int, str]:
    """Every organisation's code by its id, kept while the reference data keep their version."""
    return reference.memo(
        session,
        "organisations.codes",
        lambda: dict(session.exec(select(Organisation.id, Organisation.code)).all()),
    )


def id_of(session: Session, code: str, *, field: str) -> int:
    """The id of the organisation with this code, from the kept codes; an unknown code is invalid
    input naming `field` (422)."""
    ids = reference.memo(
        session, "organisations.ids", lambda: {c: i for i, c in codes(session).items()}
    )
    found = ids.get(code)
    return found if found is not None else get_by_code(session, code, field=field).id or 0


def get_by_code(session: Session, code: str, *, field: str | None = None) -> Organisation:
    """The organisation with this code; with `field`, an unknown code is invalid input (422)."""
    organisation = session.exec(select(Organisation).where(Organisation.code == code)).first()
    if organisation is None:
        detail = tr(
            "No organisation has the code {code!r}.",
            code=code,
        )
        if field is not None:
            param = InvalidParam(
                location="body", field=field, reason=detail, code="unknown_organisation"
            )
            raise InvalidInput(detail, errors=[param])
        raise NotFound(detail)
    return organisation


_FIELDS = ("code", "acronym", "name_fr", "name_en", "kind", "ehp_member", "description")


def _snapshot(organisation: Organisation) -> dict[str, object]:
    return {field: getattr(organisation, field) for field in _FIELDS}


def create(session: Session, actor: Principal, data: OrganisationCreate) -> Organisation:
    if session.exec(select(Organisation.id).where(Organisation.code == data.code)).first():
        raise Conflict(
            tr(
                "An organisation with the code {code!r} already exists.",
                code=data.code,
            )
        )
    organisation = Organisation.model_validate(data)
    session.add(organisation)
    session.flush()
    changes = audit.diff(None, _snapshot(organisation))
    audit.record(session, actor, "organisation.create", "organisation", organisation.code, changes)
    return organisation


def update(session: Session, actor: Principal, code: str, data: OrganisationUpdate) -> Organisation:
    organisation = get_by_code(session, code)
    before = _snapshot(organisation)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(organisation, field, value)
    changes = audit.diff(before, _snapshot(organisation))
    if changes:
        organisation.updated_at = utcnow()
        audit.record(session, actor, "organisation.update", "organisation", code, changes)
        session.flush()
    return organisation
