"""Events published by catalog-svc, the owner of products and their codes.

Both events carry the product's whole public state after the change, so a consumer sets its
copy from one message and drops older ones by the envelope's `sequence` (the product's
version: 1 at creation, +1 per change).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, Field

from taraba_contracts.envelope import Event
from taraba_contracts.registry import register_event

Platform = Literal["ro", "bg", "hu"]


class _ProductState(Event):
    """A product's public state. Decimals travel as strings ("0.21"), times as UTC ISO 8601."""

    product_id: uuid.UUID
    product_version: int = Field(
        ge=1, description="The product's version: 1 at creation, +1 per change; the sequence"
    )
    sku: str = Field(min_length=1)
    name: str
    description: str | None = None
    brand: str | None = None
    eans: list[str] = Field(default_factory=list, description="Barcodes, the first is the main")
    additional_codes: list[str] = Field(default_factory=list)
    pnks: dict[Platform, str] = Field(
        default_factory=dict, description="eMAG part_number_key per platform"
    )
    images: list[str] = Field(default_factory=list, description="URLs, the main image first")
    characteristics: dict[str, list[str]] = Field(default_factory=dict)
    category_id: uuid.UUID | None = None
    vat_rate: Decimal | None = Field(default=None, description="A fraction, e.g. 0.21")
    warranty_months: int | None = None
    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    bin_location: str | None = None
    active: bool = True
    created_at: AwareDatetime
    updated_at: AwareDatetime


@register_event
class ProductCreatedV1(_ProductState):
    """A product was created (by the API, a bulk request or an eMAG import)."""

    event_type = "catalog.product_created"
    version = 1


@register_event
class ProductUpdatedV1(_ProductState):
    """A product changed; `changed_fields` names what changed (e.g. ["pnks", "name"])."""

    event_type = "catalog.product_updated"
    version = 1

    changed_fields: list[str] = Field(default_factory=list)
