"""Queries over organisations."""

from sqlmodel import Session, select

from ehp_api.errors import NotFound
from ehp_api.organisations.models import Organisation, OrganisationKind
from ehp_api.pagination import PageParams, paginate


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


def get_by_code(session: Session, code: str) -> Organisation:
    organisation = session.exec(select(Organisation).where(Organisation.code == code)).first()
    if organisation is None:
        raise NotFound(f"No organisation has the code {code!r}.")
    return organisation
