"""What the gateway sends catalog-svc for one staged offer (pure, no I/O)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from emag_gateway.importer import import_item


def staged(**overrides: Any) -> Any:
    raw = {
        "id": 1001,
        "part_number": "LS-100",
        "part_number_key": "D5ABC123",
        "description": "<p>Aluminium stand</p>",
        "vat_id": "2",
        "warranty": "24",
        "images": [
            {"url": "https://img/2.jpg", "display_type": 2},
            {"url": "https://img/1.jpg", "display_type": 1},
            {"display_type": 0},
        ],
        "characteristics": [
            {"id": "6506", "value": "Aluminium"},
            {"id": 6506, "value": "Steel"},
            {"id": 99, "value": "42"},
            {"id": 7, "value": ""},
        ],
    }
    values = {
        "offer_id": 1001,
        "part_number": "LS-100",
        "part_number_key": "D5ABC123",
        "eans": ["5941234567891"],
        "name": "Laptop stand",
        "brand": "Acme",
        "category_id": 506,
        "raw": raw,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def test_maps_codes_texts_images_characteristics_vat_and_warranty() -> None:
    item = import_item(staged(), {6506: "Material"}, {2: "0.2100"}, {506: "Laptop stands"})
    assert item["key"] == "1001"
    assert item["codes"] == ["LS-100"], "the offer id is a code only without a part number"
    assert item["eans"] == ["5941234567891"] and item["pnk"] == "D5ABC123"
    product = item["product"]
    assert product["images"] == ["https://img/1.jpg", "https://img/2.jpg"], "main image first"
    assert product["characteristics"] == {
        "Material": ["Aluminium", "Steel"],
        "eMAG characteristic 99": ["42"],
    }
    assert product["vat_rate"] == "0.2100" and product["warranty_months"] == 24
    assert product["category_name"] == "Laptop stands"
    assert product["description"] == "<p>Aluminium stand</p>"


def test_tolerates_missing_fields() -> None:
    item = import_item(
        staged(part_number=None, eans=[], name=None, category_id=None, raw={"id": 5}), {}, {}, {}
    )
    assert item["codes"] == ["1001"]
    assert item["product"]["name"] == "" and item["product"]["images"] == []
    assert item["product"]["vat_rate"] is None and item["product"]["warranty_months"] is None
