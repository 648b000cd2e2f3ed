"""Request and response bodies of catalog-svc's API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from taraba_platform.schemas import RequestModel, Text

from catalog_svc.domain import Platform, check_code, check_ean, check_pnk, is_http_url
from catalog_svc.matching import Outcome, Rule

T = TypeVar("T")
MAX_BULK = 1000
MAX_IMPORT = 1000


def _code(value: str) -> str:
    problem = check_code(value)
    if problem:
        raise ValueError(problem)
    return value


def _ean(value: str) -> str:
    problem = check_ean(value)
    if problem:
        raise ValueError(problem)
    return value


def _pnk(value: str) -> str:
    problem = check_pnk(value)
    if problem:
        raise ValueError(problem)
    return value


def _image(value: str) -> str:
    if not is_http_url(value):
        raise ValueError("must be an http:// or https:// URL")
    return value


Code = Annotated[Text, AfterValidator(_code)]
Ean = Annotated[str, AfterValidator(_ean)]
Pnk = Annotated[str, AfterValidator(_pnk)]
ImageUrl = Annotated[str, Field(max_length=2000), AfterValidator(_image)]
Name = Annotated[Text, Field(min_length=1, max_length=500)]
VatRate = Annotated[Decimal, Field(ge=0, lt=1, max_digits=5, decimal_places=4)]
Weight = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]
Length = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
CharacteristicValues = Annotated[
    list[Annotated[Text, Field(min_length=1, max_length=500)]], Field(min_length=1, max_length=200)
]


class ProductFields(RequestModel):
    """Every field of a product but its SKU; all optional (a PATCH sends what changes)."""

    name: Name | None = None
    description: Text | None = Field(default=None, max_length=100_000)
    brand: Text | None = Field(default=None, max_length=200)
    eans: list[Ean] | None = Field(
        default=None, max_length=50, description="EAN-8, UPC-A, EAN-13 or GTIN-14, check digit"
    )
    additional_codes: list[Code] | None = Field(default=None, max_length=100)
    pnks: dict[Platform, Pnk] | None = Field(
        default=None, description="eMAG part_number_key per platform (ro, bg, hu)"
    )
    images: list[ImageUrl] | None = Field(default=None, max_length=100, description="Main first")
    characteristics: (
        dict[Annotated[Text, Field(min_length=1, max_length=200)], CharacteristicValues] | None
    ) = None
    category_id: uuid.UUID | None = None
    vat_rate: VatRate | None = Field(default=None, description="A fraction: 0.21, 0.11, 0")
    warranty_months: int | None = Field(default=None, ge=0, le=600)
    weight_kg: Weight | None = None
    length_cm: Length | None = None
    width_cm: Length | None = None
    height_cm: Length | None = None
    bin_location: Text | None = Field(default=None, max_length=100)
    active: bool | None = None


class ProductIn(ProductFields):
    sku: Code = Field(description="Unique, case-insensitive; also no other product's EAN/code")
    name: Name


class ProductPatch(ProductFields):
    sku: Code | None = None


class ProductOut(BaseModel):
    id: uuid.UUID
    sku: str
    name: str
    description: str | None
    brand: str | None
    eans: list[str]
    additional_codes: list[str]
    pnks: dict[str, str]
    images: list[str]
    characteristics: dict[str, list[str]]
    category_id: uuid.UUID | None
    vat_rate: Decimal | None
    warranty_months: int | None
    weight_kg: Decimal | None
    length_cm: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    bin_location: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class CodeIn(RequestModel):
    code: Code


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# --- bulk -------------------------------------------------------------------------------------


class BulkIn(RequestModel):
    items: list[Any] = Field(
        min_length=1,
        max_length=MAX_BULK,
        description="Products (the body of POST /products): created, or updated by SKU (only "
        "the fields sent change). Each is checked on its own.",
    )


class ItemError(BaseModel):
    code: str
    message: str
    field: str | None


class BulkItemResult(BaseModel):
    index: int
    sku: str | None
    outcome: Literal["created", "updated", "unchanged", "error"]
    product_id: uuid.UUID | None = None
    version: int | None = None
    error: ItemError | None = None


class BulkResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: int
    results: list[BulkItemResult]


# --- import from eMAG -------------------------------------------------------------------------


class OfferProductIn(RequestModel):
    """eMAG's data of the offer; values are taken as eMAG sends them and checked one by one
    (what is unusable is dropped with a warning, never failing the batch)."""

    name: Any = None
    description: Any = None
    brand: Any = None
    images: Any = None
    characteristics: Any = None
    warranty_months: Any = None
    vat_rate: Any = Field(default=None, description='A fraction as a string, e.g. "0.21"')
    category_name: Any = None


class OfferIn(RequestModel):
    key: str | int = Field(description="Opaque; echoed back in the result")
    codes: list[Any] = Field(
        default_factory=list, description="part_number first, then the seller's own codes"
    )
    eans: list[Any] = Field(default_factory=list)
    pnk: Any = Field(default=None, description="eMAG part_number_key")
    product: OfferProductIn = Field(default_factory=OfferProductIn)

    @field_validator("codes", "eans", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class ImportIn(RequestModel):
    platform: Platform
    update_details: bool = False
    offers: list[OfferIn] = Field(max_length=MAX_IMPORT)


class ImportItemOut(BaseModel):
    key: str | int
    outcome: Outcome
    product_id: uuid.UUID | None
    rule: Rule | None
    candidates: list[uuid.UUID]
    details_updated: bool
    warnings: list[str]
    reason: str | None


class ImportOut(BaseModel):
    results: list[ImportItemOut]


# --- categories and characteristics -----------------------------------------------------------


class CategoryIn(RequestModel):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    parent_id: uuid.UUID | None = None


class CategoryPatch(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    parent_id: uuid.UUID | None = Field(
        default=None, description="Move under this category; send null with `to_root` to un-nest"
    )
    to_root: bool = False


class CategoryOut(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    path: list[str] = Field(description="Names from the root down to this category")
    created_at: datetime
    updated_at: datetime


class CategoryNode(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    children: list[CategoryNode]


class CharacteristicIn(RequestModel):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    values: list[Annotated[Text, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=5000, description="Allowed values; empty: any value"
    )


class CharacteristicPatch(RequestModel):
    name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    values: list[Annotated[Text, Field(min_length=1, max_length=500)]] | None = Field(
        default=None, max_length=5000
    )


class CharacteristicOut(BaseModel):
    id: uuid.UUID
    name: str
    values: list[str]
    created_at: datetime
    updated_at: datetime
