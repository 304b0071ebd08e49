"""Checking one reading against the plan: every refusal has a field, a stable code and a message.

The message is written in the request's language when the refusal is made (`tr`), as a problem's
reasons are: a batch's summary then reads in one language, and its codes stay English."""

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ehp_api.core.errors import field_name, validation_reason
from ehp_api.core.i18n import N_, current_language, tr
from ehp_api.core.principal import Principal
from ehp_api.indicators.models import MeasureType
from ehp_api.readings import policy
from ehp_api.readings.lookups import ZONE, IndicatorInfo, Lookups, PeriodInfo
from ehp_api.readings.schemas import ConflictItem, ReadingIn

_READING = TypeAdapter(ReadingIn)


class RowRefused(Exception):
    """`field` refused for `code`: `reason` (English, marked `N_`) in the request's language, its
    `{name}` fields filled from `params`."""

    def __init__(self, field: str, code: str, reason: str, /, **params: object) -> None:
        message = tr(reason, **params)
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


@dataclass
class Prepared:
    """A valid row, ready to be compared with what is stored and written."""

    row: int
    natural_key: str
    values: dict[str, Any]


def natural_key(values: dict[str, Any]) -> str:
    breakdown = ",".join(f"{k}={v}" for k, v in sorted(values["disaggregation"].items()))
    location = values["location_id"] or "-"
    ids = (values["indicator_id"], values["period_id"], values["organisation_id"], location)
    return "|".join(map(str, ids)) + "|" + breakdown


_UNION_MEMBERS = {"int", "bool", "str", "float"}
_NOT_A_FRACTION = {
    MeasureType.count: N_("Indicator {code} is a count: send `value`, not a numerator."),
    MeasureType.boolean: N_("Indicator {code} is yes/no: send `value`, not a numerator."),
}


def parse(raw: Any, row: int) -> ReadingIn | list[ConflictItem]:
    """The row as a ReadingIn, or one conflict per invalid field (a union's alternatives, such
    as `value` as an integer or a boolean, make one conflict, not one per alternative)."""
    try:
        return _READING.validate_python(raw)
    except ValidationError as error:
        language = current_language()
        by_field: dict[str, ConflictItem] = {}
        for e in error.errors(include_url=False):
            path = [p for p in e["loc"] if str(p) not in _UNION_MEMBERS] or ["reading"]
            field = field_name(path)
            reason = validation_reason(e, language)
            if field in by_field:
                by_field[field].message += tr("; or: {reason}", reason=reason)
                continue
            by_field[field] = ConflictItem(rows=[row], field=field, code=e["type"], message=reason)
        return list(by_field.values())


def _indicator(lookups: Lookups, code: str) -> IndicatorInfo:
    indicator = lookups.indicators.get(code)
    if indicator is None:
        raise RowRefused(
            "indicator", "unknown_indicator", N_("No indicator has the code {code!r}."), code=code
        )
    if indicator.computed_from:
        raise RowRefused(
            "indicator",
            "computed_indicator",
            N_(
                "Indicator {code} is computed by the service from its own records "
                "({computed_from}); it takes no manual readings."
            ),
            code=code,
            computed_from=indicator.computed_from,
        )
    return indicator


def check_period(lookups: Lookups, code: str) -> PeriodInfo:
    period = lookups.periods.get(code)
    if period is None:
        raise RowRefused(
            "period",
            "period_outside_plan",
            N_("Period {code} is outside the plan; use 2020Q1..2022Q4 or 2020..2022."),
            code=code,
        )
    lock = period.lock or getattr(lookups.year_of(period), "lock", None)
    if lock is not None:
        reason = f" ({lock.reason})" if lock.reason else ""  # the secretariat's words, as written
        raise RowRefused(
            "period",
            "period_locked",
            N_(
                "Period {code} is locked since {locked_at} by {locked_by}{reason}; ask the EHP "
                "secretariat to unlock it to post or change readings."
            ),
            code=code,
            locked_at=lock.locked_at.isoformat(),
            locked_by=lock.locked_by,
            reason=reason,
        )
    return period


def _organisation(lookups: Lookups, principal: Principal, code: str | None) -> int:
    if policy.may_write_any(principal):
        chosen = code or principal.organisation_code
        if chosen not in lookups.organisations:
            raise RowRefused(
                "organisation",
                "unknown_organisation",
                N_("No organisation has the code {code!r}."),
                code=chosen,
            )
        return lookups.organisations[chosen]
    if code is not None and code != principal.organisation_code:
        raise RowRefused(
            "organisation",
            "other_organisation",
            N_("You post for {own} only; remove `organisation` or set it to {own!r}."),
            own=principal.organisation_code,
        )
    return principal.organisation_id or 0


def value_of(indicator: IndicatorInfo, reading: ReadingIn) -> tuple[int, int | None]:
    if indicator.measure == MeasureType.percentage:
        return _percentage(indicator, reading)
    if reading.numerator is not None or reading.denominator is not None:
        raise RowRefused(
            "numerator",
            "unexpected_numerator",
            _NOT_A_FRACTION[indicator.measure],
            code=indicator.code,
        )
    if indicator.measure == MeasureType.boolean:
        if not isinstance(reading.value, bool):
            raise RowRefused(
                "value",
                "boolean_required",
                N_("Indicator {code} is yes/no: `value` must be true or false."),
                code=indicator.code,
            )
        return int(reading.value), None
    if isinstance(reading.value, bool) or reading.value is None or reading.value < 0:
        raise RowRefused(
            "value",
            "count_required",
            N_("Indicator {code} is a count: `value` must be an integer >= 0."),
            code=indicator.code,
        )
    return reading.value, None


def _percentage(indicator: IndicatorInfo, reading: ReadingIn) -> tuple[int, int]:
    if reading.value is not None:
        raise RowRefused(
            "value",
            "percentage_is_computed",
            N_(
                "Indicator {code} is a percentage: send `numerator` and `denominator`; the "
                "percentage is computed, never sent."
            ),
            code=indicator.code,
        )
    numerator, denominator = reading.numerator, reading.denominator
    if numerator is None or denominator is None:
        missing = "numerator" if numerator is None else "denominator"
        raise RowRefused(
            missing, "fraction_required", N_("A percentage needs `{field}`."), field=missing
        )
    if denominator <= 0:
        reason = N_("`denominator` must be > 0.")
        raise RowRefused("denominator", "denominator_not_positive", reason)
    if not 0 <= numerator <= denominator:
        raise RowRefused(
            "numerator",
            "numerator_out_of_range",
            N_(
                "`numerator` must be between 0 and the denominator ({denominator}); got "
                "{numerator}."
            ),
            denominator=denominator,
            numerator=numerator,
        )
    return numerator, denominator


def _breakdown(
    lookups: Lookups, indicator: IndicatorInfo, period: PeriodInfo, reading: ReadingIn
) -> tuple[int | None, dict[str, str], str | None]:
    """(location id, disaggregation, zone): the zone follows from the location when one is given."""
    breakdown = dict(reading.disaggregation)
    for category, option in breakdown.items():
        allowed = indicator.categories.get(category)
        if allowed is None:
            known = ", ".join(sorted(indicator.categories)) or tr("none")
            raise RowRefused(
                f"disaggregation.{category}",
                "unknown_category",
                N_("Indicator {code} has no breakdown {category!r} (it has: {known})."),
                code=indicator.code,
                category=category,
                known=known,
            )
        if option not in allowed:
            raise RowRefused(
                f"disaggregation.{category}",
                "unknown_option",
                N_("{option!r} is not an option of {category!r}; use one of {allowed}."),
                option=option,
                category=category,
                allowed=sorted(allowed),
            )
    if reading.location is None:
        return None, breakdown, breakdown.get(ZONE)
    location = lookups.locations.get(reading.location)
    if location is None:
        raise RowRefused(
            "location",
            "unknown_location",
            N_("No location has the P-code {pcode!r}."),
            pcode=reading.location,
        )
    zone = lookups.zone_of(location, period.starts_on)
    if breakdown.get(ZONE, zone) != zone:
        raise RowRefused(
            "disaggregation.zone",
            "zone_contradicts_location",
            N_(
                "{pcode} is in zone {zone!r} in {period}, not {given!r}; omit the zone when you "
                "give a location."
            ),
            pcode=location.pcode,
            zone=zone,
            period=period.code,
            given=breakdown[ZONE],
        )
    if ZONE in indicator.categories:
        breakdown[ZONE] = zone
    return location.id, breakdown, zone


def _off_schedule(lookups: Lookups, indicator: IndicatorInfo, period: PeriodInfo) -> bool:
    covered = (
        lookups.quarters_by_year.get(period.year, set()) if period.kind == "year" else {period.id}
    )
    return not (covered & indicator.planned_period_ids)


def check(lookups: Lookups, principal: Principal, reading: ReadingIn, row: int) -> Prepared:
    """The row's stored values and natural key, or RowRefused naming the first fault."""
    indicator = _indicator(lookups, reading.indicator)
    period = check_period(lookups, reading.period)
    organisation_id = _organisation(lookups, principal, reading.organisation)
    numerator, denominator = value_of(indicator, reading)
    location_id, breakdown, zone = _breakdown(lookups, indicator, period, reading)
    values = {
        "indicator_id": indicator.id,
        "period_id": period.id,
        "organisation_id": organisation_id,
        "location_id": location_id,
        "disaggregation": breakdown,
        "zone": zone,
        "numerator": numerator,
        "denominator": denominator,
        "off_schedule": _off_schedule(lookups, indicator, period),
        "comment": reading.comment,
        "external_ref": reading.external_ref,
    }
    return Prepared(row=row, natural_key=natural_key(values), values=values)


def prepare(
    lookups: Lookups, principal: Principal, rows: list[Any]
) -> tuple[list[Prepared], list[ConflictItem]]:
    """Every row checked; rows posting the same natural key twice are all refused."""
    prepared: list[Prepared] = []
    conflicts: list[ConflictItem] = []
    for index, raw in enumerate(rows):
        parsed = parse(raw, index)
        if isinstance(parsed, list):
            conflicts.extend(parsed)
            continue
        try:
            prepared.append(check(lookups, principal, parsed, index))
        except RowRefused as refusal:
            conflicts.append(
                ConflictItem(
                    rows=[index], field=refusal.field, code=refusal.code, message=refusal.message
                )
            )
    return _without_duplicates(prepared, conflicts)


def _without_duplicates(
    prepared: list[Prepared], conflicts: list[ConflictItem]
) -> tuple[list[Prepared], list[ConflictItem]]:
    by_key: dict[str, list[Prepared]] = {}
    for item in prepared:
        by_key.setdefault(item.natural_key, []).append(item)
    unique = []
    for items in by_key.values():
        if len(items) == 1:
            unique.append(items[0])
            continue
        rows = [i.row for i in items]
        conflicts.append(
            ConflictItem(
                rows=rows,
                field="reading",
                code="duplicate_in_batch",
                message=tr(
                    "Rows {rows} post the same indicator, period, organisation, location and "
                    "breakdown; keep one of them.",
                    rows=rows,
                ),
            )
        )
    unique.sort(key=lambda item: item.row)
    return unique, conflicts
