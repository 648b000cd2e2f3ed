"""emag_gateway.emag.parsing and models: eMAG's string numbers, local dates and messages."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from emag_gateway.emag.models import (
    Category,
    CountResult,
    EanProduct,
    HandlingTime,
    Order,
    ProductOffer,
    VatRate,
)
from emag_gateway.emag.parsing import (
    format_local_datetime,
    local_date,
    normalise_messages,
    normalise_platform,
    parse_bool,
    parse_decimal,
    parse_int,
    parse_local_datetime,
)
from pydantic import ValidationError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("967.6613", Decimal("967.6613")),
        ("0.2100", Decimal("0.2100")),
        (" 12 ", Decimal("12")),
        ("12,50", Decimal("12.50")),
        (12, Decimal(12)),
        (0.1, Decimal("0.1")),
        (Decimal("3.5"), Decimal("3.5")),
        ("", None),
        (None, None),
        ("null", None),
    ],
)
def test_decimal_from_strings_and_numbers(raw: object, expected: Decimal | None) -> None:
    assert parse_decimal(raw) == expected
    if expected is not None:
        assert isinstance(parse_decimal(raw), Decimal)


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", True, [1]])
def test_decimal_refuses_nonsense(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_decimal(raw)


def test_int_bool_parsing() -> None:
    assert parse_int("1") == 1
    assert parse_int("433") == 433
    assert parse_int("2.0") == 2
    assert parse_int(7.0) == 7
    assert parse_int("") is None
    assert parse_int(None) is None
    with pytest.raises(ValueError):
        parse_int("1.5")
    assert parse_bool("1") is True
    assert parse_bool(0) is False
    assert parse_bool("false") is False
    assert parse_bool(True) is True
    assert parse_bool(None) is None
    with pytest.raises(ValueError):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("platform", "local", "utc"),
    [
        ("ro", "2026-02-03 10:15:22", datetime(2026, 2, 3, 8, 15, 22, tzinfo=UTC)),  # EET +2
        ("RO", "2026-07-03 10:15:22", datetime(2026, 7, 3, 7, 15, 22, tzinfo=UTC)),  # EEST +3
        ("bg", "2026-02-03 10:15:22", datetime(2026, 2, 3, 8, 15, 22, tzinfo=UTC)),
        ("hu", "2026-02-03 10:15:22", datetime(2026, 2, 3, 9, 15, 22, tzinfo=UTC)),  # CET +1
        ("hu", "2026-07-03 10:15:22", datetime(2026, 7, 3, 8, 15, 22, tzinfo=UTC)),  # CEST +2
    ],
)
def test_local_dates_become_aware_utc(platform: str, local: str, utc: datetime) -> None:
    parsed = parse_local_datetime(local, platform)
    assert parsed == utc
    assert parsed is not None and parsed.tzinfo is UTC


def test_date_variants_are_tolerated() -> None:
    zone = ZoneInfo("Europe/Bucharest")
    assert parse_local_datetime("2026-02-03", zone) == datetime(2026, 2, 2, 22, 0, tzinfo=UTC)
    assert parse_local_datetime("2026-02-03T10:15:22Z", zone) == datetime(
        2026, 2, 3, 10, 15, 22, tzinfo=UTC
    )
    assert parse_local_datetime("2026-02-03 10:15:22+01:00", zone) == datetime(
        2026, 2, 3, 9, 15, 22, tzinfo=UTC
    )
    assert parse_local_datetime("2026-02-03 10:15:22.500000", zone) == datetime(
        2026, 2, 3, 8, 15, 22, 500000, tzinfo=UTC
    )
    php = {"date": "2026-02-03 10:15:22.000000", "timezone_type": 3, "timezone": "Europe/Sofia"}
    assert parse_local_datetime(php, zone) == datetime(2026, 2, 3, 8, 15, 22, tzinfo=UTC)
    assert parse_local_datetime("0000-00-00 00:00:00", zone) is None
    assert parse_local_datetime("", zone) is None
    assert parse_local_datetime(None, zone) is None
    with pytest.raises(ValueError):
        parse_local_datetime("yesterday", zone)


def test_formatting_for_filters_and_local_day() -> None:
    moment = datetime(2026, 7, 3, 22, 30, tzinfo=UTC)
    assert format_local_datetime(moment, "ro") == "2026-07-04 01:30:00"
    assert format_local_datetime(datetime(2026, 7, 3, 22, 30), "ro") == "2026-07-04 01:30:00"
    assert format_local_datetime("2026-01-01 00:00:00", "ro") == "2026-01-01 00:00:00"
    # A return AWB's date computed in UTC would be "yesterday" here (emag-api §8.2 #17).
    assert local_date(moment, "ro").isoformat() == "2026-07-04"


def test_platforms() -> None:
    assert normalise_platform("RO") == "ro"
    assert normalise_platform("emag.bg") == "bg"
    assert normalise_platform("FD_RO") == "fd-ro"
    with pytest.raises(ValueError):
        normalise_platform("pl")


def test_messages_of_every_shape_become_strings() -> None:
    raw = [
        "Offer 1 updated",
        {"message": "Stock should be 0 or more"},
        {"text": "Invalid vendor ip"},
        {"field": "stock", "message": "The offer is in a campaign"},
        ["nested", {"msg": "deep"}],
        {"code": 17},
        "",
        None,
    ]
    assert normalise_messages(raw) == [
        "Offer 1 updated",
        "Stock should be 0 or more",
        "Invalid vendor ip",
        "stock: The offer is in a campaign",
        "nested",
        "deep",
        "code: 17",
    ]
    assert normalise_messages("just one") == ["just one"]
    assert normalise_messages(None) == []
    assert normalise_messages({"sale_price": ["too low"]}) == ["sale_price: too low"]


def test_order_model_parses_strings_money_and_dates() -> None:
    raw = {
        "id": "500822531",
        "status": "1",
        "type": 3,
        "date": "2026-02-03 10:15:22",
        "modified": "2026-02-03 10:15:40",
        "payment_mode_id": "1",
        "shipping_tax": "19.99",
        "cashed_co": "0.0000",
        "reason_cancellation": {"id": 31, "name": "partner requested"},
        "enforced_vendor_courier_accounts": [],
        "customer": {"name": "Ion", "shipping_locality_id": "4", "legal_entity": "0"},
        "products": [
            {
                "id": 82407,
                "product_id": "6050",
                "quantity": "2",
                "sale_price": "99.1736",
                "vat": "0.2100",
                "product_voucher_split": None,
            }
        ],
        "something_new": {"eMAG": "added it"},
    }
    order = Order.model_validate(raw, context={"zone": ZoneInfo("Europe/Bucharest")})
    assert order.id == 500822531
    assert order.status == 1
    assert order.shipping_tax == Decimal("19.99")
    assert order.date == datetime(2026, 2, 3, 8, 15, 22, tzinfo=UTC)
    assert order.reason_cancellation == 31
    assert order.awb_allowed is False
    assert order.customer is not None and order.customer.shipping_locality_id == 4
    line = order.products[0]
    assert (line.product_id, line.quantity) == (6050, 2)
    assert line.sale_price == Decimal("99.1736") and line.vat == Decimal("0.2100")
    assert line.product_voucher_split == []
    # Sent back whole through order/save: the raw dict, exactly as eMAG sent it.
    assert order.raw == raw
    assert order.model_extra == {"something_new": {"eMAG": "added it"}}


def test_order_with_broken_money_fails_loudly() -> None:
    with pytest.raises(ValidationError):
        Order.model_validate({"id": 1, "shipping_tax": "lots"})


def test_reference_models_are_tolerant() -> None:
    assert VatRate.model_validate({"vat_id": 1, "vat_rate": 0.21, "is_default": 1}).rate == (
        Decimal("0.21")
    )
    legacy = VatRate.model_validate({"id": "2", "name": "19%", "value": "19"})
    assert (legacy.id, legacy.rate) == (2, Decimal("0.19"))
    assert HandlingTime.model_validate(3).value == 3
    assert HandlingTime.model_validate({"id": 1, "value": "1"}).value == 1
    count = CountResult.model_validate({"noOfItems": "1234", "noOfPages": 13, "itemsPerPage": 100})
    assert (count.no_of_items, count.no_of_pages) == (1234, 13)
    assert EanProduct.model_validate({"allow_to_add_offer": 1}).allowed_to_add_offer is True
    assert EanProduct.model_validate({"allowed_to_add_offer": False}).allowed_to_add_offer is False


def test_category_with_characteristics_and_family_types() -> None:
    category = Category.model_validate(
        {
            "id": 2735,
            "name": "Tenisi barbati",
            "is_allowed": "1",
            "characteristics": [
                {"id": 6506, "type_id": 60, "is_mandatory": 1, "values": ["40 EU", 41]},
                {"id": 5401, "is_mandatory": 0, "values": None, "tags": []},
            ],
            "family_types": [
                {
                    "id": 95,
                    "name": "Marime",
                    "characteristics": [{"characteristic_id": 6506, "is_foldable": "1"}],
                }
            ],
        }
    )
    assert category.is_allowed is True
    assert [c.id for c in category.mandatory_characteristics] == [6506]
    assert category.characteristics[0].values == ["40 EU", "41"]
    assert category.family_types[0].characteristics[0].is_foldable is True


def test_product_offer_statuses_explain_why_not_selling() -> None:
    live = ProductOffer.model_validate(
        {
            "id": "6050",
            "status": "1",
            "sale_price": "99.1736",
            "general_stock": "3",
            "validation_status": [{"value": "9", "description": "Approved"}],
            "offer_validation_status": {"value": 1},
            "ean": "5941234567890",
        }
    )
    assert live.not_sellable_reasons() == []
    assert live.ean == ["5941234567890"]
    blocked = ProductOffer.model_validate(
        {"id": 1, "status": 1, "stock": [{"warehouse_id": 1, "value": "0"}],
         "validation_status": {"value": 8, "description": "Documentation rejected"},
         "offer_validation_status": [{"value": 2, "description": "Invalid price"}]}
    )  # fmt: skip
    reasons = blocked.not_sellable_reasons()
    assert len(reasons) == 3
    assert any("Invalid price" in r for r in reasons)
