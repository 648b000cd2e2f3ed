"""catalog_svc.domain: codes, check digits, which codes a product claims, conflicts."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from catalog_svc.domain import (
    CodeKind,
    ProductState,
    changed_fields,
    check_characteristics,
    check_code,
    check_ean,
    code_entries,
    find_conflicts,
    gtin_check_digit,
    plain_decimal,
)


@pytest.mark.parametrize(
    "ean",
    ["96385074", "036000291452", "5901234123457", "4006381333931", "10012345678902", "00000000"],
)
def test_valid_eans(ean: str) -> None:
    assert check_ean(ean) is None


@pytest.mark.parametrize(
    ("ean", "fragment"),
    [
        ("5901234123458", "check digit of EAN-13 5901234123458 is 8, expected 7"),
        ("96385075", "EAN-8"),
        ("036000291453", "UPC-A"),
        ("10012345678903", "GTIN-14"),
        ("123456789", "has 9 digits"),
        ("59012341234a7", "digits only"),
        ("\uff15" * 13, "digits only"),
        ("", "digits only"),
    ],
)
def test_invalid_eans_say_why(ean: str, fragment: str) -> None:
    problem = check_ean(ean)
    assert problem is not None and fragment in problem


def test_check_digit() -> None:
    assert gtin_check_digit("590123412345") == 7
    assert gtin_check_digit("9638507") == 4


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("ABC-1", True),
        ("a b", True),
        (" a", False),
        ("", False),
        ("x" * 101, False),
        ("a\tb", False),
        ("x" * 100, True),
    ],
)
def test_codes(code: str, ok: bool) -> None:
    assert (check_code(code) is None) is ok


def test_code_entries_dedupe_with_the_strongest_kind_first() -> None:
    state = ProductState(
        id=uuid.uuid4(),
        sku="5901234123457",
        name="n",
        eans=["5901234123457", "4006381333931"],
        additional_codes=["x-1", "X-1", "4006381333931"],
    )
    entries = code_entries(state)
    assert [(e.key, e.kind, e.field) for e in entries] == [
        ("5901234123457", CodeKind.SKU, "sku"),
        ("4006381333931", CodeKind.EAN, "eans.1"),
        ("X-1", CodeKind.ADDITIONAL, "additional_codes.0"),
    ]


def test_conflicts_name_the_field() -> None:
    other = uuid.uuid4()
    state = ProductState(id=uuid.uuid4(), sku="S", name="n", eans=["96385074"], pnks={"hu": "PK"})
    assert find_conflicts(state, {"S": state.id}, {}) is None
    found = find_conflicts(state, {"96385074": other}, {})
    assert found is not None and found.field == "eans.0" and str(other) in str(found)
    found = find_conflicts(state, {}, {"hu:PK": other})
    assert found is not None and found.field == "pnks.hu"


def test_changed_fields() -> None:
    old = ProductState(id=uuid.uuid4(), sku="S", name="n", version=3)
    new = old.copy()
    assert changed_fields(old, new) == []
    new.name, new.pnks["ro"] = "m", "P"
    assert changed_fields(old, new) == ["name", "pnks"]
    assert "sku" in changed_fields(None, new)


def test_plain_decimal() -> None:
    assert str(plain_decimal(Decimal("0.2100"))) == "0.21"
    assert str(plain_decimal(Decimal("10.000"))) == "10"
    assert str(plain_decimal(Decimal("0.0000"))) == "0"
    assert plain_decimal(None) is None


def test_characteristic_values_are_checked_case_insensitively() -> None:
    allowed = {"culoare": ("Culoare", ["Negru", "Alb"]), "liber": ("Liber", [])}
    assert (
        check_characteristics({"Culoare": ["negru"], "Liber": ["x"], "Alta": ["y"]}, allowed) == []
    )
    [(field, message)] = check_characteristics({"Culoare": ["Alb", "Mov"]}, allowed)
    assert field == "characteristics.Culoare.1"
    assert "'Mov' is not an allowed value of Culoare" in message
