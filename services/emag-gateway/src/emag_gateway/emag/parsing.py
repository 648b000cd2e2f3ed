"""Defensive parsing of what eMAG sends: numbers as strings, local dates, messages of any shape.

Money is always `Decimal`, never float. Empty values (`None`, `""`, `"0000-00-00 00:00:00"`) become
`None`; values that cannot mean anything raise `ValueError` (the models turn that into a
validation error, the client into `EmagInvalidResponse`): a price silently read as `None` would be
worse than a loud failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

PLATFORM_TIMEZONES: dict[str, str] = {
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "hu": "Europe/Budapest",
}
# Fashion Days runs the same API per country and shares the country's zone.
PLATFORMS = ("ro", "bg", "hu", "fd-ro", "fd-bg")
DEFAULT_PLATFORM = "ro"
EMAG_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
EMAG_DATE_FORMAT = "%Y-%m-%d"

_EMPTY_STRINGS = {"", "null", "none"}
_ZERO_DATES = ("0000-00-00",)


def normalise_platform(platform: str) -> str:
    """`"RO"`, `"ro"`, `"emag.ro"`, `"FD_RO"`... to a platform code: ro, bg, hu, fd-ro, fd-bg."""
    code = platform.strip().lower().replace("_", "-")
    code = code.removeprefix("emag.").removeprefix("emag-")
    if code not in PLATFORMS:
        raise ValueError(
            f"unknown eMAG platform {platform!r}; expected one of {', '.join(PLATFORMS).upper()}"
        )
    return code


def platform_zone(platform: str) -> ZoneInfo:
    code = normalise_platform(platform)
    return ZoneInfo(PLATFORM_TIMEZONES[code[-2:]])


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _EMPTY_STRINGS)


def parse_decimal(value: object) -> Decimal | None:
    """`"967.6613"` → `Decimal("967.6613")`; `12` → `Decimal(12)`; `""`/`None` → `None`.

    Floats are converted through `str` so that `0.1` stays `Decimal("0.1")`. A lone decimal
    comma (`"12,50"`) is accepted; NaN and infinities are refused.
    """
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def parse_int(value: object) -> int | None:
    """`"1"` → 1, `"1.0"` → 1, `1.0` → 1, `True` → 1, `""`/`None` → None; `"1.5"` raises."""
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def parse_bool(value: object) -> bool | None:
    """eMAG's flags: `0`/`1`, `"0"`/`"1"`, `true`/`false`, `"yes"`/`"no"`; empty → None."""
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"1", "true", "yes", "y", "on"}:
            return True
        if text in {"0", "false", "no", "n", "off"}:
            return False
        try:
            return Decimal(text) != 0
        except InvalidOperation:
            pass
    raise ValueError(f"not a boolean: {value!r}")


def parse_str(value: object) -> str | None:
    """Identifiers and labels that may come as numbers (`433` for `"433"`); empty → None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise ValueError(f"not a string: {value!r}")


_ISO_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def parse_local_datetime(value: object, zone: ZoneInfo | str | None = None) -> datetime | None:
    """eMAG's `YYYY-MM-DD HH:MM:SS`, local to the platform, → an aware UTC datetime.

    Also tolerated: a date alone (midnight local), fractional seconds, ISO 8601 with `T` and an
    offset or `Z` (the offset wins over the zone), a PHP DateTime object
    `{"date": ..., "timezone": ...}`, an aware datetime, and the zero date (→ None).
    In a DST fold the earlier instant is taken.
    """
    tz = _zone(zone)
    if _is_empty(value):
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time())
    elif isinstance(value, Mapping):
        inner = value.get("date")
        timezone_name = value.get("timezone")
        inner_zone: ZoneInfo | str = tz
        if isinstance(timezone_name, str) and timezone_name:
            try:
                inner_zone = ZoneInfo(timezone_name)
            except (ValueError, KeyError):
                inner_zone = tz
        return parse_local_datetime(inner, inner_zone)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith(_ZERO_DATES):
            return None
        dt = _parse_text_datetime(text, value)
    else:
        raise ValueError(f"not a date: {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


def _parse_text_datetime(text: str, original: object) -> datetime:
    candidate = text.replace("T", " ", 1)
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"not a date: {original!r}")


def format_local_datetime(value: datetime | date | str, zone: ZoneInfo | str | None = None) -> str:
    """A datetime → eMAG's `YYYY-MM-DD HH:MM:SS` in the platform's zone (for filters).

    Naive datetimes are taken as UTC (Taraba's convention); strings pass through unchanged.
    """
    if isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        return value.strftime(EMAG_DATE_FORMAT)
    tz = _zone(zone)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(tz).strftime(EMAG_DATETIME_FORMAT)


def local_date(moment: datetime, zone: ZoneInfo | str | None = None) -> date:
    """The platform-local calendar day of an instant (for `date` fields like return AWBs)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_zone(zone)).date()


def _zone(zone: ZoneInfo | str | None) -> ZoneInfo:
    if zone is None:
        return ZoneInfo(PLATFORM_TIMEZONES[DEFAULT_PLATFORM])
    if isinstance(zone, ZoneInfo):
        return zone
    if "/" in zone:
        return ZoneInfo(zone)
    return platform_zone(zone)


_MESSAGE_KEYS = ("message", "text", "msg", "error", "description", "detail")


def normalise_messages(value: object) -> list[str]:
    """eMAG's `messages` (strings, or objects `{message}`, `{text}`, `{field, message}`) → strings.

    Accepts a single string or object as well as a list, nested lists, and a dict keyed by
    field. Empty entries are dropped; anything unrecognisable is kept as compact JSON rather than
    lost.
    """
    out: list[str] = []
    _collect_messages(value, out, depth=0)
    return out


def _collect_messages(value: object, out: list[str], depth: int) -> None:
    if value is None or depth > 5:
        return
    if isinstance(value, str):
        text = value.strip()
        if text:
            out.append(text)
        return
    if isinstance(value, list | tuple):
        for item in value:
            _collect_messages(item, out, depth + 1)
        return
    if isinstance(value, Mapping):
        found: str | None = next(
            (str(value[key]) for key in _MESSAGE_KEYS if isinstance(value.get(key), str)),
            None,
        )
        if found is not None:
            field = value.get("field")
            message = found.strip()
            if isinstance(field, str) and field and not message.startswith(field):
                message = f"{field}: {message}"
            if message:
                out.append(message)
            return
        if value and all(isinstance(k, str) for k in value):
            before = len(out)
            for key, item in value.items():
                inner: list[str] = []
                _collect_messages(item, inner, depth + 1)
                out.extend(f"{key}: {m}" if not m.startswith(key) else m for m in inner)
            if len(out) > before:
                return
        if value:
            out.append(_compact_json(value))
        return
    out.append(str(value))


def _compact_json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return str(value)
