"""The sandbox's in-memory state: platforms, seller accounts and everything they own."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from emag_sandbox.settings import SandboxSettings
from emag_sandbox.util import utcnow


@dataclass(frozen=True)
class PlatformInfo:
    code: str
    tz: str
    currency: str
    locale: str
    country_code: str
    # (vat_id, rate, is_default)
    vat_rates: tuple[tuple[int, str, bool], ...]
    category_id_base: int
    locality_id_base: int


PLATFORM_INFO: dict[str, PlatformInfo] = {
    "RO": PlatformInfo(
        "RO",
        "Europe/Bucharest",
        "RON",
        "ro_RO",
        "RO",
        ((1, "0.21", True), (2, "0.11", False), (3, "0.00", False)),
        0,
        0,
    ),
    "BG": PlatformInfo(
        "BG",
        "Europe/Sofia",
        "BGN",
        "bg_BG",
        "BG",
        ((1, "0.20", True), (2, "0.09", False), (3, "0.00", False)),
        20000,
        200000,
    ),
    "HU": PlatformInfo(
        "HU",
        "Europe/Budapest",
        "HUF",
        "hu_HU",
        "HU",
        ((1, "0.27", True), (2, "0.18", False), (3, "0.05", False), (4, "0.00", False)),
        40000,
        400000,
    ),
}


@dataclass
class Characteristic:
    id: int
    name: str
    type_id: int
    display_order: int
    is_mandatory: int
    is_filter: int
    allow_new_value: int
    values: list[str]
    tags: list[str] = field(default_factory=list)


@dataclass
class FamilyType:
    id: int
    name: str
    characteristics: list[dict[str, int]]


@dataclass
class Category:
    id: int
    name: str
    parent_id: int
    is_allowed: int
    is_ean_mandatory: int
    is_warranty_mandatory: int
    characteristics: list[Characteristic] = field(default_factory=list)
    family_types: list[FamilyType] = field(default_factory=list)


@dataclass
class CatalogProduct:
    """A product in eMAG's catalogue (has a PNK), whoever created it."""

    part_number_key: str
    name: str
    brand: str
    category_id: int
    eans: list[str]
    image: str
    hotness: str | None = "COLD"
    owner: str | None = None  # the username of the seller who owns the documentation


@dataclass
class Locality:
    emag_id: int
    name: str
    name_latin: str
    region1: str
    region1_latin: str
    region2: str
    region2_latin: str
    region3: str | None
    region4: str | None
    geoid: int
    zipcode: str
    country_code: str
    iso2: str
    modified: datetime


@dataclass
class Platform:
    info: PlatformInfo
    categories: dict[int, Category] = field(default_factory=dict)
    catalog: dict[str, CatalogProduct] = field(default_factory=dict)
    ean_index: dict[str, str] = field(default_factory=dict)
    localities: list[Locality] = field(default_factory=list)
    seeded: bool = False

    def add_catalog_product(self, product: CatalogProduct) -> None:
        self.catalog[product.part_number_key] = product
        for ean in product.eans:
            self.ean_index.setdefault(ean, product.part_number_key)


@dataclass
class HistoryEntry:
    at: datetime
    source: str
    value: Any


@dataclass
class Offer:
    id: int
    created: datetime
    modified: datetime
    # documentation (product content)
    category_id: int | None = None
    vendor_category_id: int | None = None
    part_number_key: str | None = None
    part_number: str | None = None
    name: str = ""
    brand: str | None = None
    description: str | None = None
    url: str | None = None
    ean: list[str] = field(default_factory=list)
    warranty: int = 0
    images: list[dict[str, Any]] = field(default_factory=list)
    characteristics: list[dict[str, Any]] = field(default_factory=list)
    family: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    source_language: str | None = None
    safety_information: str | None = None
    manufacturer: list[dict[str, Any]] = field(default_factory=list)
    eu_representative: list[dict[str, Any]] = field(default_factory=list)
    green_tax: Decimal | None = None
    # offer
    status: int = 1
    sale_price: Decimal = Decimal(0)
    recommended_price: Decimal | None = None
    min_sale_price: Decimal | None = None
    max_sale_price: Decimal | None = None
    currency_type: str | None = None
    vat_id: int = 1
    stock: list[dict[str, int]] = field(default_factory=list)
    handling_time: list[dict[str, int]] = field(default_factory=list)
    supply_lead_time: int | None = None
    start_date: str | None = None
    emag_club: int = 1
    # eMAG side
    ownership: int = 1
    validation_status: int = 1
    validation_errors: list[str] = field(default_factory=list)
    validation_due_at: datetime | None = None
    offer_validation_status: int = 1
    number_of_offers: int = 1
    buy_button_rank: int = 1
    best_offer_sale_price: Decimal | None = None
    best_offer_recommended_price: Decimal | None = None
    campaign_lock: str | None = None
    price_history: list[HistoryEntry] = field(default_factory=list)
    stock_history: list[HistoryEntry] = field(default_factory=list)

    @property
    def general_stock(self) -> int:
        return sum(int(s.get("value", 0)) for s in self.stock)


@dataclass
class OrderLine:
    id: int
    product_id: int
    name: str
    quantity: int
    initial_qty: int
    sale_price: Decimal
    original_price: Decimal
    vat: Decimal
    currency: str
    created: datetime
    modified: datetime
    part_number_key: str | None = None
    part_number: str | None = None
    ext_part_number: str | None = None
    mkt_id: int | None = None
    storno_qty: int = 0
    status: int = 1
    warehouse_id: int = 1


@dataclass
class CallbackAttempt:
    at: datetime
    kind: str  # "new_order" | "cancellation"
    url: str
    order_id: int
    account: str
    http_status: int | None
    error: str | None
    duration_ms: float


@dataclass
class Order:
    id: int
    type: int
    status: int
    created: datetime
    modified: datetime
    payment_mode_id: int
    delivery_mode: str
    customer: dict[str, Any]
    products: list[OrderLine]
    shipping_tax: Decimal
    currency: str
    is_complete: int = 1
    details: dict[str, Any] = field(default_factory=dict)
    payment_status: int = 0
    is_storno: bool = False
    reason_cancellation: dict[str, Any] | None = None
    cancellation_request: str | None = None
    enforced_vendor_courier_accounts: list[int] | None = None
    maximum_date_for_shipment: datetime | None = None
    finalization_date: datetime | None = None
    status_changed_at: datetime | None = None
    observation: str = ""
    weekend_delivery: int = 0
    emag_club: int = 0
    status_history: list[HistoryEntry] = field(default_factory=list)
    callback_attempts: list[CallbackAttempt] = field(default_factory=list)
    next_callback_at: datetime | None = None
    new_order_callbacks_sent: int = 0
    cancellation_callback_pending: bool = False
    cancellation_callbacks_sent: int = 0
    next_cancellation_callback_at: datetime | None = None
    reserved: bool = False  # counted in estimated_stock (stock_decrement_on == "acknowledge")
    stock_taken: bool = False  # stock already removed from the offers


@dataclass
class Attachment:
    id: int
    order_id: int
    order_type: int
    order_product_id: int | None
    name: str | None
    url: str
    type: int
    force_download: int
    created: datetime
    visibility: str = "public"
    download_status: str = "pending"  # pending | downloaded | failed | skipped
    http_status: int | None = None
    size: int | None = None
    content_type: str | None = None
    sha256: str | None = None
    error: str | None = None
    downloaded_at: datetime | None = None


@dataclass
class CourierAccount:
    account_id: int
    account_display_name: str
    courier_account_type: int
    courier_name: str
    courier_id: int
    courier_account_properties: list[int]
    created: datetime
    status: int
    pickup_country_code: str


@dataclass
class Address:
    address_id: str
    country_id: int
    country_code: str
    address_type_id: int
    locality_id: int
    suburb: str
    city: str
    address: str
    zipcode: str
    quarter: str | None
    floor: str | None
    is_default: bool


@dataclass
class Awb:
    emag_id: int
    reservation_id: int
    order_id: int | None
    rma_id: int | None
    courier_account_id: int
    courier_id: int
    courier_name: str
    awb_number: str
    awb_barcode: str
    sender: dict[str, Any]
    receiver: dict[str, Any]
    parcel_number: int
    envelope_number: int
    cod: Decimal
    insured_value: Decimal
    weight: Decimal
    is_oversize: int
    locker_id: str | None
    observation: str | None
    order_type: int
    created: datetime
    status_code: str = "NEW"
    status_name: str = "Created"
    status_description: str = "AWB generated, awaiting courier pickup"


@dataclass
class Account:
    username: str
    password: str
    platform: str
    vendor_name: str
    seller_id: int
    created: datetime
    ip_failure: bool = False
    api_allowed: bool = True
    stock_api_allowed: bool = True
    new_order_callback_url: str | None = None
    cancellation_callback_url: str | None = None
    offers: dict[int, Offer] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    awbs: dict[int, Awb] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    couriers: list[CourierAccount] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)


@dataclass
class LoggedRequest:
    id: int
    at: datetime
    account: str | None
    method: str
    path: str
    route: str | None
    query: str
    request_body: Any
    status: int
    response_body: Any
    duration_ms: float
    outcome: str  # ok | error | rate_limited | fault | auth | not_found


class Store:
    """All state. Mutations that await go under `lock`."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.lock = asyncio.Lock()
        self.platforms: dict[str, Platform] = {}
        self.accounts: dict[str, Account] = {}
        self.request_log: deque[LoggedRequest] = deque(maxlen=settings.request_log_size)
        self.callback_log: deque[CallbackAttempt] = deque(maxlen=settings.request_log_size)
        self._request_ids = itertools.count(1)
        self._order_ids = itertools.count(500_000_001)
        self._line_ids = itertools.count(80_001)
        self._awb_ids = itertools.count(9_700_001)
        self._reservation_ids = itertools.count(4_500_001)
        self._attachment_ids = itertools.count(1)
        self._customer_ids = itertools.count(1_001)
        self._seller_ids = itertools.count(7_001)
        self.fault_rng = random.Random(settings.fault_seed)
        self.started_at = utcnow()

    def platform(self, code: str) -> Platform:
        if code not in self.platforms:
            self.platforms[code] = Platform(info=PLATFORM_INFO[code])
        return self.platforms[code]

    def next_request_id(self) -> int:
        return next(self._request_ids)

    def next_order_id(self) -> int:
        return next(self._order_ids)

    def next_line_id(self) -> int:
        return next(self._line_ids)

    def next_awb_id(self) -> int:
        return next(self._awb_ids)

    def next_reservation_id(self) -> int:
        return next(self._reservation_ids)

    def next_attachment_id(self) -> int:
        return next(self._attachment_ids)

    def next_customer_id(self) -> int:
        return next(self._customer_ids)

    def next_seller_id(self) -> int:
        return next(self._seller_ids)
