"""Catalog rules, free of I/O: codes and their check digits, a product's state, which codes it
claims, and which of them another product already owns."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

Platform = Literal["ro", "bg", "hu"]
PLATFORMS: tuple[Platform, ...] = ("ro", "bg", "hu")

MAX_CODE_LENGTH = 100
EAN_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
_PNK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class CodeKind(StrEnum):
    """What a code is to its product; also the strength of a match, strongest first."""

    SKU = "sku"
    EAN = "ean"
    ADDITIONAL = "additional_code"


KIND_ORDER = {CodeKind.SKU: 0, CodeKind.EAN: 1, CodeKind.ADDITIONAL: 2}


class CatalogRuleViolation(ValueError):
    """A product that breaks a catalog rule; `field` names the culprit (e.g. `eans.1`)."""

    def __init__(self, message: str, field: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


def code_key(code: str) -> str:
    """The form a code is compared and indexed in: trimmed, upper-case (SKUs are
    case-insensitive; EANs are digits so this changes nothing for them)."""
    return code.strip().upper()


def pnk_key(platform: str, pnk: str) -> str:
    return f"{platform}:{pnk.strip().upper()}"


def check_code(code: str) -> str | None:
    """Why `code` cannot be a SKU or additional code, or None if it can."""
    if not code.strip():
        return "must not be empty"
    if code != code.strip():
        return "must not start or end with spaces"
    if len(code) > MAX_CODE_LENGTH:
        return f"must be at most {MAX_CODE_LENGTH} characters"
    if any(not ch.isprintable() for ch in code):
        return "must not contain control characters"
    return None


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit of the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_ean(value: str) -> str | None:
    """Why `value` is not a valid EAN-8 / UPC-A / EAN-13 / GTIN-14, or None if it is."""
    if not value.isascii() or not value.isdigit():
        return "must be digits only"
    if len(value) not in EAN_LENGTHS:
        return (
            f"has {len(value)} digits; an EAN-8, UPC-A (12), EAN-13 or GTIN-14 has 8, 12, 13 or 14"
        )
    expected = gtin_check_digit(value[:-1])
    if int(value[-1]) != expected:
        return (
            f"check digit of {EAN_LENGTHS[len(value)]} {value} is {value[-1]}, expected {expected}"
        )
    return None


def check_pnk(value: str) -> str | None:
    if not _PNK.match(value):
        return "must be 1-64 letters, digits, '_', '.' or '-'"
    return None


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and not any(ch.isspace() for ch in value)
    )


@dataclass
class ProductState:
    """A product as the catalog keeps it. `version` is 0 until first written."""

    id: uuid.UUID
    sku: str
    name: str
    description: str | None = None
    brand: str | None = None
    eans: list[str] = field(default_factory=list)
    additional_codes: list[str] = field(default_factory=list)
    pnks: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    characteristics: dict[str, list[str]] = field(default_factory=dict)
    category_id: uuid.UUID | None = None
    vat_rate: Decimal | None = None
    warranty_months: int | None = None
    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    bin_location: str | None = None
    active: bool = True
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def copy(self) -> ProductState:
        return dataclasses.replace(
            self,
            eans=list(self.eans),
            additional_codes=list(self.additional_codes),
            pnks=dict(self.pnks),
            images=list(self.images),
            characteristics={k: list(v) for k, v in self.characteristics.items()},
        )


# Fields a change is reported by; bookkeeping (version, times) is not a change.
STATE_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(ProductState)
    if f.name not in {"id", "version", "created_at", "updated_at"}
)
CODE_FIELDS = ("sku", "eans", "additional_codes")


def changed_fields(old: ProductState | None, new: ProductState) -> list[str]:
    if old is None:
        return list(STATE_FIELDS)
    return [name for name in STATE_FIELDS if getattr(old, name) != getattr(new, name)]


def plain_decimal(value: Decimal | None) -> Decimal | None:
    """`0.2100` -> `0.21`, `10.000` -> `10`: no trailing zeros and never an exponent."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return Decimal(text)


@dataclass(frozen=True)
class CodeEntry:
    key: str
    code: str
    kind: CodeKind
    field: str


def code_entries(state: ProductState) -> list[CodeEntry]:
    """Every code the product claims, once per key, the strongest kind winning (a SKU that is
    also the product's own EAN is indexed as its SKU)."""
    entries: dict[str, CodeEntry] = {}
    candidates: list[CodeEntry] = [CodeEntry(code_key(state.sku), state.sku, CodeKind.SKU, "sku")]
    candidates += [
        CodeEntry(code_key(ean), ean, CodeKind.EAN, f"eans.{i}") for i, ean in enumerate(state.eans)
    ]
    candidates += [
        CodeEntry(code_key(code), code, CodeKind.ADDITIONAL, f"additional_codes.{i}")
        for i, code in enumerate(state.additional_codes)
    ]
    for entry in candidates:
        entries.setdefault(entry.key, entry)
    return list(entries.values())


def dedupe_codes(codes: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """`codes` without repeats (case-insensitive) and without any key in `taken`."""
    seen = {code_key(code) for code in taken}
    result: list[str] = []
    for code in codes:
        key = code_key(code)
        if key not in seen:
            seen.add(key)
            result.append(code)
    return result


def find_conflicts(
    state: ProductState,
    code_owners: Mapping[str, uuid.UUID],
    pnk_owners: Mapping[str, uuid.UUID],
) -> CatalogRuleViolation | None:
    """The first code or PNK of `state` that another product owns (by the owners' maps,
    `code_key -> product` and `pnk_key -> product`), as a violation naming the field."""
    for entry in code_entries(state):
        owner = code_owners.get(entry.key)
        if owner is not None and owner != state.id:
            what = {
                CodeKind.SKU: "SKU",
                CodeKind.EAN: "EAN",
                CodeKind.ADDITIONAL: "additional code",
            }
            return CatalogRuleViolation(
                f"{what[entry.kind]} {entry.code} already belongs to product {owner} "
                "(as its SKU, an EAN or an additional code)",
                entry.field,
            )
    for platform, pnk in state.pnks.items():
        owner = pnk_owners.get(pnk_key(platform, pnk))
        if owner is not None and owner != state.id:
            return CatalogRuleViolation(
                f"PNK {pnk} on eMAG {platform.upper()} already belongs to product {owner}",
                f"pnks.{platform}",
            )
    return None


def check_characteristics(
    values: Mapping[str, list[str]], allowed: Mapping[str, tuple[str, list[str]]]
) -> list[tuple[str, str]]:
    """(field, message) for each value outside its characteristic's allowed list.

    `allowed` maps the lower-case characteristic name to (its name, its allowed values); a
    characteristic that is not defined, or defines no values, takes any value."""
    problems: list[tuple[str, str]] = []
    for name, given in values.items():
        definition = allowed.get(name.strip().lower())
        if definition is None or not definition[1]:
            continue
        permitted = {v.lower() for v in definition[1]}
        for index, value in enumerate(given):
            if value.lower() not in permitted:
                problems.append(
                    (
                        f"characteristics.{name}.{index}",
                        f"{value!r} is not an allowed value of {definition[0]} "
                        f"(allowed: {', '.join(definition[1][:20])})",
                    )
                )
    return problems


def state_as_dict(state: ProductState) -> dict[str, Any]:
    return dataclasses.asdict(state)
