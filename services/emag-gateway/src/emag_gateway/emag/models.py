"""Typed views of eMAG's responses: what the gateway needs, tolerant of everything else.

Every model keeps unknown keys (`extra="allow"`) and the dict it was built from (`.raw`, e.g. to
send an order back whole through `order/save`). Numbers may arrive as strings; money is Decimal;
eMAG's local dates become aware UTC datetimes (the platform's zone comes from the validation
context `{"zone": ZoneInfo}`, which the client always passes; Bucharest otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from emag_gateway.emag.parsing import (
    normalise_messages,
    parse_bool,
    parse_decimal,
    parse_int,
    parse_local_datetime,
    parse_str,
)

T = TypeVar("T")


def _local_datetime(value: Any, info: ValidationInfo) -> datetime | None:
    zone = info.context.get("zone") if isinstance(info.context, Mapping) else None
    return parse_local_datetime(value, zone)


def _entity_list(value: Any) -> list[Any]:
    """None → []; a single object → [it]; an object keyed by ids → its values; a list as is."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, Mapping):
        if (
            value
            and all(str(k).isdigit() for k in value)
            and all(isinstance(v, Mapping) for v in value.values())
        ):
            return list(value.values())
        return [value]
    raise ValueError(f"expected a list, got {type(value).__name__}")


def _str_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [s for s in (parse_str(item) for item in items) if s is not None]


def _int_list(value: Any) -> list[int]:
    out: list[int] = []
    for item in _entity_list(value) if not isinstance(value, int | str) else [value]:
        if isinstance(item, Mapping):
            item = item.get("id", item.get("value"))
        number = parse_int(item)
        if number is not None:
            out.append(number)
    return out


def _id_of(value: Any) -> int | None:
    """`reason_cancellation` and friends: an int, a numeric string, or an object with `id`."""
    if isinstance(value, Mapping):
        value = value.get("id", value.get("value"))
    return parse_int(value)


Int = Annotated[int | None, BeforeValidator(parse_int)]
ReqInt = Annotated[int, BeforeValidator(parse_int)]
Dec = Annotated[Decimal | None, BeforeValidator(parse_decimal)]
Flag = Annotated[bool | None, BeforeValidator(parse_bool)]
Str = Annotated[str | None, BeforeValidator(parse_str)]
LocalDateTime = Annotated[datetime | None, BeforeValidator(_local_datetime)]
StrList = Annotated[list[str], BeforeValidator(_str_list)]
IntList = Annotated[list[int], BeforeValidator(_int_list)]
Messages = Annotated[list[str], BeforeValidator(normalise_messages)]
IdOf = Annotated[int | None, BeforeValidator(_id_of)]
Listed = Annotated[list[T], BeforeValidator(_entity_list)]


class EmagModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        model = handler(data)
        if isinstance(data, Mapping):
            model._raw = dict(data)
        return model

    @property
    def raw(self) -> dict[str, Any]:
        """The object exactly as eMAG sent it."""
        return self._raw


# ---------------------------------------------------------------------------- envelope


@dataclass
class Envelope:
    """eMAG's answer: `{"isError", "messages", "results"}` (+ `errors`), normalised."""

    is_error: bool
    messages: list[str]
    results: Any
    http_status: int
    errors: list[str] = field(default_factory=list)
    raw: Any = None


class CountResult(EmagModel):
    """`{resource}/count`. Estimates only: never use it to decide that pagination is over."""

    no_of_items: Int = Field(None, validation_alias=AliasChoices("noOfItems", "no_of_items"))
    no_of_pages: Int = Field(None, validation_alias=AliasChoices("noOfPages", "no_of_pages"))
    items_per_page: Int = Field(
        None, validation_alias=AliasChoices("itemsPerPage", "items_per_page")
    )


# ---------------------------------------------------------------------------- categories


class CategoryCharacteristic(EmagModel):
    id: ReqInt
    name: Str = None
    type_id: Int = None
    display_order: Int = None
    is_mandatory: Flag = None
    is_filter: Flag = None
    allow_new_value: Flag = None
    values: StrList = Field(default_factory=list)
    tags: StrList = Field(default_factory=list)


class FamilyTypeCharacteristic(EmagModel):
    characteristic_id: Int = None
    characteristic_family_type_id: Int = None
    is_foldable: Flag = None
    display_order: Int = None


class FamilyType(EmagModel):
    id: ReqInt
    name: Str = None
    characteristics: Listed[FamilyTypeCharacteristic] = Field(default_factory=list)


class Category(EmagModel):
    id: ReqInt
    name: Str = None
    is_allowed: Flag = None
    parent_id: Int = None
    is_ean_mandatory: Flag = None
    is_warranty_mandatory: Flag = None
    characteristics: Listed[CategoryCharacteristic] = Field(default_factory=list)
    family_types: Listed[FamilyType] = Field(default_factory=list)

    @property
    def mandatory_characteristics(self) -> list[CategoryCharacteristic]:
        return [c for c in self.characteristics if c.is_mandatory]


# ---------------------------------------------------------------------------- reference data


class VatRate(EmagModel):
    """`vat/read` item. The keys are not documented: `{vat_id, vat_rate, is_default}` and
    `{id, name, value}` are both read; `rate` is a fraction (0.21) even if eMAG sends 21."""

    id: ReqInt
    rate: Dec = None
    name: Str = None
    is_default: Flag = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        if "id" not in out and "vat_id" in out:
            out["id"] = out["vat_id"]
        for key in ("vat_rate", "value", "rate_value", "percent"):
            if "rate" not in out and key in out:
                out["rate"] = out[key]
        rate = parse_decimal(out.get("rate"))
        if rate is not None and rate > 1:
            rate = rate / 100
        out["rate"] = rate
        return out


class HandlingTime(EmagModel):
    """`handling_time/read` item: `{id, value}` or a bare number of days."""

    id: Int = None
    value: ReqInt

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return {"id": data, "value": data}
        out = dict(data)
        if "value" not in out:
            out["value"] = out.get("id", out.get("days"))
        return out


class CourierAccount(EmagModel):
    account_id: ReqInt
    account_display_name: Str = None
    courier_account_type: Int = None  # 1 RMA, 2 order, 3 both, 4 non-marketplace
    courier_name: Str = None
    courier_account_properties: IntList = Field(default_factory=list)
    created: LocalDateTime = None
    status: Int = None
    pickup_country_code: Str = None

    @property
    def usable_for_orders(self) -> bool:
        return self.status != 0 and self.courier_account_type in (2, 3, None)


class Locality(EmagModel):
    emag_id: ReqInt
    name: Str = None
    name_latin: Str = None
    region1: Str = None
    region2: Str = None
    region3: Str = None
    region4: Str = None
    region1_latin: Str = None
    region2_latin: Str = None
    region3_latin: Str = None
    region4_latin: Str = None
    geoid: Int = None
    zipcode: Str = None
    country_code: Str = Field(None, validation_alias=AliasChoices("country_code", "country"))
    iso2: Str = None
    modified: LocalDateTime = None


class Address(EmagModel):
    address_id: Str = None
    country_id: Int = None
    country_code: Str = None
    address_type_id: Int = None  # 1 return, 2 pickup, 3 invoice/HQ, 4 delivery estimates
    locality_id: Int = None
    suburb: Str = None
    city: Str = None
    address: Str = None
    zipcode: Str = None
    quarter: Str = None
    floor: Str = None
    is_default: Flag = None


# ---------------------------------------------------------------------------- offers


class WarehouseValue(EmagModel):
    warehouse_id: Int = None
    value: Int = None


class OfferImage(EmagModel):
    url: Str = None
    display_type: Int = None


class OfferCharacteristic(EmagModel):
    id: Int = None
    value: Str = None
    tag: Str = None


class OfferFamily(EmagModel):
    id: Int = None
    name: Str = None
    family_type_id: Int = None


class ValidationStatus(EmagModel):
    value: Int = None
    description: Str = None
    errors: Messages = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return data if isinstance(data, Mapping) else {"value": data}


def _first_status(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


SELLABLE_VALIDATION = frozenset({3, 9, 11, 12, 17})


class ProductOffer(EmagModel):
    """`product_offer/read` item: the seller's own input plus eMAG's statuses."""

    id: ReqInt  # the seller's product id (the offer's primary key)
    part_number_key: Str = None
    part_number: Str = None
    category_id: Int = None
    vendor_category_id: Int = None
    name: Str = None
    brand: Str = None
    description: Str = None
    url: Str = None
    ean: StrList = Field(default_factory=list)
    warranty: Int = None
    images: Listed[OfferImage] = Field(default_factory=list)
    characteristics: Listed[OfferCharacteristic] = Field(default_factory=list)
    family: OfferFamily | None = None
    status: Int = None  # 0 inactive, 1 active, 2 end of life
    sale_price: Dec = None  # net
    recommended_price: Dec = None
    min_sale_price: Dec = None
    max_sale_price: Dec = None
    currency: Str = None
    vat_id: Int = None
    stock: Listed[WarehouseValue] = Field(default_factory=list)
    general_stock: Int = None
    estimated_stock: Int = None
    handling_time: Listed[WarehouseValue] = Field(default_factory=list)
    supply_lead_time: Int = None
    start_date: LocalDateTime = None
    number_of_offers: Int = None
    buy_button_rank: Int = None
    best_offer_sale_price: Dec = None
    best_offer_recommended_price: Dec = None
    ownership: Int = None
    validation_status: Listed[ValidationStatus] = Field(default_factory=list)
    translation_validation_status: Listed[ValidationStatus] = Field(default_factory=list)
    offer_validation_status: Annotated[ValidationStatus | None, BeforeValidator(_first_status)] = (
        None
    )
    doc_errors: Any = None
    genius_eligibility: Int = None
    genius_eligibility_type: Int = None
    genius_computed: Int = None
    emag_club: Int = None
    manufacturer: Any = None
    eu_representative: Any = None
    safety_information: Str = None
    green_tax: Dec = None

    @model_validator(mode="before")
    @classmethod
    def _family(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not isinstance(data.get("family"), Mapping | None):
            out = dict(data)
            out["family"] = None
            return out
        return data

    @property
    def stock_total(self) -> int:
        if self.general_stock is not None:
            return self.general_stock
        return sum(s.value or 0 for s in self.stock)

    def not_sellable_reasons(self) -> list[str]:
        """Why the offer is not live (emag-api.md §2.3); empty when it should be selling."""
        reasons: list[str] = []
        if self.status != 1:
            reasons.append(f"offer status is {self.status} (1 = active)")
        if self.stock_total <= 0:
            reasons.append("no stock")
        ovs = self.offer_validation_status
        if ovs is not None and ovs.value not in (None, 1):
            reasons.append(f"offer validation {ovs.value}: {ovs.description or 'invalid price'}")
        if self.validation_status:
            value = self.validation_status[-1].value
            if value not in SELLABLE_VALIDATION:
                desc = self.validation_status[-1].description or ""
                reasons.append(f"documentation validation status {value} {desc}".strip())
        return reasons


class ProductOfferSaveResult(EmagModel):
    """`product_offer/save`. `isError: true` does not always mean nothing was saved: eMAG saves
    the offer and reports documentation remarks, except for the messages in `REFUSAL_MARKERS`."""

    outcome: Literal["saved", "saved_with_remarks", "refused"]
    messages: list[str] = Field(default_factory=list)
    results: Any = None


class OfferSaveItem(EmagModel):
    """One offer's result in `offer/save`. `reported` is False when eMAG said nothing about it
    (then `ok` follows the top-level `isError`)."""

    id: int  # the seller's offer id; eMAG's per-item keys are strings, normalised here
    ok: bool
    messages: list[str] = Field(default_factory=list)
    reported: bool = True


class OfferSaveResult(EmagModel):
    items: list[OfferSaveItem] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def failed(self) -> list[OfferSaveItem]:
        return [item for item in self.items if not item.ok]

    def by_id(self) -> dict[int, OfferSaveItem]:
        return {item.id: item for item in self.items}


class EanProduct(EmagModel):
    """`documentation/find_by_eans` match (the doc spells the flag two ways; both are read)."""

    ean: Str = None
    part_number_key: Str = None
    product_name: Str = None
    brand_name: Str = None
    doc_category_id: Int = None
    category_name: Str = None
    site_url: Str = None
    allowed_to_add_offer: Flag = Field(
        None, validation_alias=AliasChoices("allowed_to_add_offer", "allow_to_add_offer")
    )
    vendor_has_offer: Flag = None
    hotness: Str = None
    product_image: Str = None


# ---------------------------------------------------------------------------- orders


class VoucherSplit(EmagModel):
    voucher_id: Int = None
    value: Dec = None
    vat_value: Dec = None
    vat: Dec = None
    offered_by: Str = None
    voucher_name: Str = None


class RecycleWarranty(EmagModel):
    quantity: Int = None
    sale_price: Dec = None
    vat_rate: Dec = None
    product_name: Str = None
    recycle_warranty_voucher_split: Listed[VoucherSplit] = Field(default_factory=list)


class OrderAttachment(EmagModel):
    name: Str = None
    url: Str = None
    type: Int = None
    visibility: Any = None
    force_download: Int = None


class OrderProduct(EmagModel):
    id: Int = None  # eMAG's order-line id
    product_id: Int = None  # the seller's product id
    part_number_key: Str = None
    part_number: Str = None
    ext_part_number: Str = None
    mkt_id: Int = None
    name: Str = None
    status: Int = None  # 1 active, 0 removed
    quantity: Int = None
    initial_qty: Int = None
    storno_qty: Int = None
    sale_price: Dec = None  # unit, net
    original_price: Dec = None
    currency: Str = None
    vat: Dec = None  # rate, e.g. 0.21
    product_voucher_split: Listed[VoucherSplit] = Field(default_factory=list)
    recycle_warranties: Listed[RecycleWarranty] = Field(default_factory=list)
    serial_numbers: Any = None
    attachments: Listed[OrderAttachment] = Field(default_factory=list)
    created: LocalDateTime = None
    modified: LocalDateTime = None


class OrderCustomer(EmagModel):
    id: Int = None
    mkt_id: Int = None
    name: Str = None
    email: Str = None  # a hash, never a real mailbox
    company: Str = None
    gender: Str = None
    legal_entity: Flag = None
    is_vat_payer: Flag = None
    code: Str = None
    registration_number: Str = None
    bank: Str = None
    iban: Str = None
    fax: Str = None
    liable_person: Str = None
    phone_1: Str = None
    phone_2: Str = None
    phone_3: Str = None
    billing_name: Str = None
    billing_phone: Str = None
    billing_country: Str = None
    billing_suburb: Str = None
    billing_city: Str = None
    billing_locality_id: Int = None
    billing_street: Str = None
    billing_postal_code: Str = None
    shipping_country: Str = None
    shipping_suburb: Str = None
    shipping_city: Str = None
    shipping_locality_id: Int = None
    shipping_street: Str = None
    shipping_postal_code: Str = None
    shipping_contact: Str = None
    shipping_phone: Str = None
    created: LocalDateTime = None
    modified: LocalDateTime = None


class OrderVoucher(EmagModel):
    id: Int = Field(None, validation_alias=AliasChoices("id", "voucher_id"))
    voucher_name: Str = None
    sale_price: Dec = None  # net, negative
    sale_price_vat: Dec = None  # negative
    vat: Dec = None
    offered_by: Str = None
    status: Int = None
    created: LocalDateTime = None
    modified: LocalDateTime = None


class OrderDetails(EmagModel):
    locker_id: Str = None
    locker_name: Str = None
    locker_delivery_eligible: Flag = None
    courier_external_office_id: Str = None


class Order(EmagModel):
    id: ReqInt
    status: Int = None  # 0 cancelled, 1 new, 2 in progress, 3 prepared, 4 finalized, 5 returned
    type: Int = None  # 2 FBE, 3 seller-fulfilled
    is_complete: Flag = None
    date: LocalDateTime = None
    created: LocalDateTime = None
    modified: LocalDateTime = None
    vendor_name: Str = None
    payment_mode: Str = None
    payment_mode_id: Int = None  # 1 COD, 2 bank transfer, 3 card online
    detailed_payment_method: Str = None
    delivery_payment_mode: Str = None
    payment_status: Int = None
    cashed_co: Dec = None
    cashed_cod: Dec = None
    delivery_mode: Str = None
    details: OrderDetails | None = None
    shipping_tax: Dec = None  # VAT included
    shipping_tax_voucher_split: Listed[VoucherSplit] = Field(default_factory=list)
    customer: OrderCustomer | None = None
    products: Listed[OrderProduct] = Field(default_factory=list)
    vouchers: Listed[OrderVoucher] = Field(default_factory=list)
    attachments: Listed[OrderAttachment] = Field(default_factory=list)
    is_storno: Flag = None
    reason_cancellation: IdOf = Field(
        None, validation_alias=AliasChoices("reason_cancellation", "cancellation_reason")
    )
    cancellation_request: Any = None
    enforced_vendor_courier_accounts: list[Any] | None = None
    maximum_date_for_shipment: LocalDateTime = None
    finalization_date: LocalDateTime = None
    late_shipment: Int = None
    has_editable_products: Flag = None
    parent_id: Str = None
    emag_club: Int = None
    weekend_delivery: Int = None
    observation: Str = None

    @model_validator(mode="before")
    @classmethod
    def _objects(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        for key in ("details", "customer"):
            if not isinstance(out.get(key), Mapping):
                out[key] = None
        evca = out.get("enforced_vendor_courier_accounts")
        if evca is not None and not isinstance(evca, list):
            out["enforced_vendor_courier_accounts"] = _entity_list(evca)
        return out

    @property
    def awb_allowed(self) -> bool:
        """False when eMAG forbids issuing an AWB through the Marketplace (an empty list)."""
        return self.enforced_vendor_courier_accounts != []


class AckResult(EmagModel):
    order_id: int
    already_acknowledged: bool = False
    messages: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------- AWB


class AwbNumber(EmagModel):
    emag_id: Int = None
    awb_number: Str = None
    awb_barcode: Str = None


class AwbStatus(EmagModel):
    code: Str = None
    name: Str = None
    description: Str = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return data if isinstance(data, Mapping) else {"code": data}


class AwbCourier(EmagModel):
    courier_account_id: Int = None
    courier_name: Str = None
    courier_id: Int = None


class AwbSaveResult(EmagModel):
    """`awb/save`: keep `emag_id` before anything else; it is the only way to find it again."""

    reservation_id: Int = None
    emag_id: Int = None
    courier_id: Int = None
    courier_name: Str = None
    awb: Listed[AwbNumber] = Field(default_factory=list)

    @property
    def first_emag_id(self) -> int | None:
        if self.emag_id is not None:
            return self.emag_id
        return next((a.emag_id for a in self.awb if a.emag_id is not None), None)

    @property
    def awb_numbers(self) -> list[str]:
        return [a.awb_number for a in self.awb if a.awb_number]


class Awb(EmagModel):
    emag_id: Int = None
    order_id: Int = None
    rma_id: Int = None
    reservation_id: Int = None
    type: Int = None
    weight: Dec = None
    awb_type: Int = None
    awb: Listed[AwbNumber] = Field(default_factory=list)
    status: AwbStatus | None = None
    courier: AwbCourier | None = None
    cash_on_delivery: Dec = None

    @model_validator(mode="before")
    @classmethod
    def _objects(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not isinstance(data.get("courier"), Mapping | None):
            out = dict(data)
            out["courier"] = {"courier_name": out["courier"]}
            return out
        return data


# ---------------------------------------------------------------------------- connection test


ConnectionKind = Literal[
    "ok",
    "auth",
    "ip_not_allowed",
    "unavailable",
    "rate_limited",
    "invalid_response",
    "api_error",
    "error",
]


class ConnectionCheck(EmagModel):
    ok: bool
    kind: ConnectionKind
    message: str
    http_status: int | None = None
    route: str = "vat/read"
    duration_ms: int = 0
