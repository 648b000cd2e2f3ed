"""Small helpers: eMAG's date and number formats, lenient parsing of the values clients send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EMAG_DATETIME = "%Y-%m-%d %H:%M:%S"
EMAG_DATE = "%Y-%m-%d"

_FALLBACK_OFFSETS = {"Europe/Bucharest": 2, "Europe/Sofia": 2, "Europe/Budapest": 1}


@lru_cache(maxsize=16)
def zone(name: str) -> tzinfo:
    """The platform's time zone; a fixed offset if the system has no tz database."""
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the machine
        return timezone(timedelta(hours=_FALLBACK_OFFSETS.get(name, 0)))


def utcnow() -> datetime:
    return datetime.now(UTC)


def fmt_dt(value: datetime | None, tz_name: str) -> str | None:
    """`YYYY-MM-DD HH:MM:SS` in the platform's local time, as eMAG sends it."""
    if value is None:
        return None
    return value.astimezone(zone(tz_name)).strftime(EMAG_DATETIME)


def fmt_date(value: datetime, tz_name: str) -> str:
    return value.astimezone(zone(tz_name)).strftime(EMAG_DATE)


def parse_dt(value: Any, tz_name: str) -> datetime | None:
    """Parse `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`) as platform-local time; None if invalid."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in (EMAG_DATETIME, EMAG_DATE):
        try:
            naive = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone(tz_name)).astimezone(UTC)
    return None


FOUR = Decimal("0.0001")
TWO = Decimal("0.01")


def money(value: Decimal | None, places: Decimal = FOUR) -> str | None:
    """A decimal as eMAG sends it: a string with 4 decimals ("99.1736")."""
    if value is None:
        return None
    return str(value.quantize(places, rounding=ROUND_HALF_UP))


def to_decimal(value: Any) -> Decimal | None:
    """A number or numeric string as a Decimal; None if it is not one (bools are not numbers)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            result = Decimal(text)
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def to_int(value: Any) -> int | None:
    """An integer, or a string/float holding a whole number; None otherwise."""
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def ean_check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def count_leaves(value: Any) -> int:
    """Input vars as PHP counts them: one per scalar leaf of the payload."""
    if isinstance(value, dict):
        return sum(count_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_leaves(v) for v in value)
    return 1
