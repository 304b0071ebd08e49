"""Queries over locations and focus areas."""

from collections.abc import Callable
from datetime import date
from typing import NamedTuple, TypeVar

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, select

from ehp_api.core.errors import NotFound
from ehp_api.core.i18n import tr
from ehp_api.core.pagination import PageParams, paginate
from ehp_api.core.query_filters import known, unknown_code
from ehp_api.locations.models import FocusArea, FocusAreaMember, FocusAreaVersion, Location
from ehp_api.web import reference

T = TypeVar("T")


def place_ids(session: Session, pcode: str, field: str = "location") -> list[int]:
    """A location filter: the place and, for a region, its cercles. Kept while the reference
    data keep their version: the lists of alerts, complaints and readings filter by place at
    the cost of no query of their own."""
    inside = reference.memo(session, "locations.place_ids", lambda: _place_ids(session))
    return known(inside.get(pcode), field, pcode)


def pcodes(session: Session) -> dict[int, str]:
    """Every place's P-code by its id, kept while the reference data keep their version."""
    return reference.memo(
        session,
        "locations.pcodes",
        lambda: {place.id: pcode for pcode, place in kept_places(session).items()},
    )


def _place_ids(session: Session) -> dict[str, list[int]]:
    places = kept_places(session)
    pcodes_ = pcodes(session)
    inside = {pcode: [place.id] for pcode, place in places.items()}
    for place in places.values():
        if place.parent_id is not None:
            inside[pcodes_[place.parent_id]].append(place.id)
    return inside


def get_by_pcode(session: Session, pcode: str) -> Location:
    location = session.exec(select(Location).where(Location.pcode == pcode)).first()
    if location is None:
        raise _no_place(pcode)
    return location


def _no_place(pcode: str) -> NotFound:
    return NotFound(
        tr(
            "No location has the P-code {pcode!r}.",
            pcode=pcode,
        )
    )


class Place(NamedTuple):
    """What a record placed by its P-code keeps of the place."""

    id: int
    level: int
    parent_id: int | None


def place(session: Session, pcode: str) -> Place:
    """The place of a P-code, kept while the reference data keep their version: a new alert or
    complaint is placed at no query's cost."""
    found = kept_places(session).get(pcode)
    if found is None:
        raise _no_place(pcode)
    return found


def kept_places(session: Session) -> dict[str, Place]:
    """Every place by its P-code, read once per version of the reference data (the filters'
    `place_ids`, `pcodes` and the alerts' places are made from it too)."""
    return reference.memo(session, "locations.places", lambda: _places(session))


def _places(session: Session) -> dict[str, Place]:
    rows = session.exec(select(Location.pcode, Location.id, Location.level, Location.parent_id))
    return {pcode: Place(id_ or 0, level, parent) for pcode, id_, level, parent in rows.all()}


def get_focus_area(session: Session, code: str) -> FocusArea:
    area = session.exec(select(FocusArea).where(FocusArea.code == code)).first()
    if area is None:
        raise NotFound(
            tr(
                "No focus area has the code {code!r}.",
                code=code,
            )
        )
    return area


def version_on(session: Session, area: FocusArea, on: date) -> FocusAreaVersion | None:
    """The membership of the area that applies on a date (the latest that started by then)."""
    stmt = (
        select(FocusAreaVersion)
        .where(FocusAreaVersion.focus_area_id == area.id, FocusAreaVersion.valid_from <= on)
        .order_by(FocusAreaVersion.valid_from.desc())
    )
    return session.exec(stmt).first()


def list_(
    session: Session,
    page: PageParams,
    *,
    level: int | None = None,
    parent: str | None = None,
    focus_area: str | None = None,
    on: date | None = None,
) -> tuple[list[Location], str | None]:
    stmt = select(Location)
    if level is not None:
        stmt = stmt.where(Location.level == level)
    if parent is not None:
        stmt = stmt.where(Location.parent_id == _filter(get_by_pcode, session, parent, "parent").id)
    if focus_area is not None:
        area = _filter(get_focus_area, session, focus_area, "focus_area")
        version = version_on(session, area, on or date.today())
        stmt = stmt.where(in_focus_area(version.id if version and version.id else -1))
    return paginate(session, stmt, Location.id, page)


def _filter(lookup: Callable[[Session, str], T], session: Session, code: str, field: str) -> T:
    """An unknown filter value is an invalid query (422 naming the filter), not a 404."""
    try:
        return lookup(session, code)
    except NotFound as exc:
        raise unknown_code(field, exc.detail, detail=exc.detail) from None


def in_focus_area(version_id: int) -> ColumnElement[bool]:
    """SQL condition: the location, or the region it lies in, is a member of the version."""
    member_ids = select(FocusAreaMember.location_id).where(FocusAreaMember.version_id == version_id)
    return or_(
        Location.id.in_(member_ids),
        Location.parent_id.in_(member_ids),
    )


def list_focus_areas(session: Session, page: PageParams) -> tuple[list[FocusArea], str | None]:
    return paginate(session, select(FocusArea), FocusArea.id, page)


def is_in_focus_area(
    session: Session, area_code: str, location: Location | Place, on: date
) -> bool:
    """Whether the location, or the region it lies in, belongs to the area on that date. Read from
    the kept versions (`area_versions`): an alert or a complaint is placed at no query's cost."""
    versions = area_versions(session).get(area_code, [])
    return in_area(versions, on, location.id, location.parent_id)


def in_area(versions: list[tuple[date, frozenset[int]]], on: date, *place_ids: int | None) -> bool:
    """Whether any of the places is a member of the version in force on that date (the latest
    started by then; none before the first)."""
    members: frozenset[int] = frozenset()
    for valid_from, version_members in versions:
        if valid_from <= on:
            members = version_members
    return not members.isdisjoint(place_ids)


def area_versions(session: Session) -> dict[str, list[tuple[date, frozenset[int]]]]:
    """Each focus area's versions from the earliest, with their members' location ids (a
    version may be empty), kept while the reference data keep their version."""
    return reference.memo(session, "locations.area_versions", lambda: _area_versions(session))


def _area_versions(session: Session) -> dict[str, list[tuple[date, frozenset[int]]]]:
    stmt = (
        select(FocusArea.code, FocusAreaVersion.id, FocusAreaVersion.valid_from)
        .join(FocusArea, FocusArea.id == FocusAreaVersion.focus_area_id)
        .order_by(FocusAreaVersion.valid_from, FocusAreaVersion.id)
    )
    versions = session.exec(stmt).all()
    members: dict[int, set[int]] = {}
    for version_id, location_id in session.exec(
        select(FocusAreaMember.version_id, FocusAreaMember.location_id)
    ).all():
        members.setdefault(version_id, set()).add(location_id)
    areas: dict[str, list[tuple[date, frozenset[int]]]] = {}
    for code, version_id, valid_from in versions:
        areas.setdefault(code, []).append((valid_from, frozenset(members.get(version_id, ()))))
    return areas
