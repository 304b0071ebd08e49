"""Records to response shapes."""

from ehp_api.locations.models import FocusArea, Location
from ehp_api.locations.schemas import FocusAreaPublic, FocusAreaVersionPublic, LocationPublic


def to_public(location: Location) -> LocationPublic:
    return LocationPublic(
        pcode=location.pcode,
        name=location.name,
        level=location.level,
        parent=location.parent.pcode if location.parent else None,
    )


def focus_area_to_public(area: FocusArea) -> FocusAreaPublic:
    return FocusAreaPublic(
        code=area.code,
        name_fr=area.name_fr,
        name_en=area.name_en,
        description=area.description,
        versions=[
            FocusAreaVersionPublic(
                valid_from=v.valid_from,
                pcodes=sorted(m.location.pcode for m in v.members),
                note=v.note,
            )
            for v in area.versions
        ],
    )
