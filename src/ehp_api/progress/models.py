"""The figures kept at write time."""

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class ReadingTotal(SQLModel, table=True):
    """One organisation's figure for one indicator, period (as posted: a quarter, or a whole
    year), zone and breakdown option, with the rules of `ehp_api.progress.grain` applied (the
    last validated values, the year rule, totals from a breakdown, a region and its cercles not
    added). Kept by `ehp_api.progress.kept` so that the dashboard sums thousands of rows, not
    millions. `category_code` and `option_code` are empty on the total row."""

    __tablename__ = "reading_totals"
    __table_args__ = (
        Index("ix_reading_totals_indicator_organisation", "indicator_id", "organisation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicators.id")
    period_id: int = Field(foreign_key="periods.id", index=True)
    organisation_id: int = Field(foreign_key="organisations.id")
    zone: str | None = Field(default=None, max_length=40)
    category_code: str = Field(default="", max_length=40)
    option_code: str = Field(default="", max_length=40)
    numerator: int
    denominator: int | None = None
    records: int
    # Regions where a region's own reading and readings for its cercles were both posted (and
    # not added), and by how much the cercles exceeded the region where they did.
    region_overlaps: int = 0
    excess: int = 0
    # 1 when no total was posted and the total is the sum of one breakdown's options.
    from_breakdown: int = 0
