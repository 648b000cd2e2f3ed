"""Typed async client for eMAG's Marketplace API (emag-api.md, v4.4.9).

One `EmagClient` per account (it may share an `httpx.AsyncClient` with others). Every call:
1. is checked against eMAG's request limits (≤50 entities per save, ≤4000 leaf values) and refused
   with `EmagRequestTooLarge` before anything is sent;
2. waits for its slot in the account's rate-limit bucket (`ratelimit.py`);
3. is sent with Basic auth to `base_url + "/" + path`, reads as a top-level object of filters,
   saves as `{"data": [...]}` (or a bare list, `write_encoding="bare"`);
4. is retried on timeouts, connection errors and 5xx (jittered exponential backoff) and on 429
   (after the bucket's pause), up to `max_attempts` in all; never on 401/403, other 4xx or
   `isError: true`. Non-idempotent writes (`awb/save`) are retried only when the request surely
   did not reach eMAG (connection refused, connect timeout) or eMAG refused it with 429;
5. is recorded, attempt by attempt, through the `CallRecorder` (credentials never included).

Per-item failures (`offer/save`) are data in the result, not exceptions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Literal, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from typing_extensions import TypedDict, Unpack

from emag_gateway.emag.errors import (
    EmagApiError,
    EmagAuthError,
    EmagError,
    EmagInvalidResponse,
    EmagIpNotAllowed,
    EmagRateLimited,
    EmagRequestTooLarge,
    EmagUnavailable,
)
from emag_gateway.emag.journal import (
    CallRecord,
    CallRecorder,
    Outcome,
    bounded_json,
    sanitize,
    text_snippet,
)
from emag_gateway.emag.models import (
    AckResult,
    Address,
    Awb,
    AwbSaveResult,
    Category,
    ConnectionCheck,
    ConnectionKind,
    CountResult,
    CourierAccount,
    EanProduct,
    Envelope,
    HandlingTime,
    Locality,
    OfferSaveItem,
    OfferSaveResult,
    Order,
    ProductOffer,
    ProductOfferSaveResult,
    VatRate,
)
from emag_gateway.emag.parsing import (
    format_local_datetime,
    normalise_messages,
    normalise_platform,
    parse_bool,
    platform_zone,
)
from emag_gateway.emag.ratelimit import AccountLimiter, LimiterRegistry, default_registry

log = logging.getLogger(__name__)

PLATFORM_BASE_URLS: dict[str, str] = {
    "ro": "https://marketplace-api.emag.ro/api-3",
    "bg": "https://marketplace-api.emag.bg/api-3",
    "hu": "https://marketplace-api.emag.hu/api-3",
    "fd-ro": "https://marketplace-ro-api.fashiondays.com/api-3",
    "fd-bg": "https://marketplace-bg-api.fashiondays.com/api-3",
}
API_PREFIX = "api-3"
MAX_SAVE_ITEMS = 50
MAX_INPUT_VARS = 4000
MAX_PAGE_SIZE = 100
MAX_EANS_PER_CALL = 100
MAX_PAGES = 65535
CATEGORY_LANGUAGES = frozenset({"EN", "RO", "HU", "BG", "PL", "GR", "DE"})
AWB_FORMATS = frozenset({"A4", "A5", "A6", "ZPL"})

# `product_offer/save` answers isError:true yet keeps the offer, except for these (emag-api §1.4).
PRODUCT_SAVE_REFUSALS = (
    "maximum input vars",
    "you already hold a product",
    "expected list of arrays",
)
_IP_MARKERS = ("invalid vendor ip", "vendor ip", "ip address is not allowed", "ip not allowed")
_AUTH_MARKERS = (
    "not allowed to use this api",
    "invalid username",
    "invalid password",
    "invalid credentials",
    "wrong username",
    "wrong password",
    "authentication failed",
    "authentication required",
    "unauthorized",
    "unauthorised",
    "api rights",
)
_ALREADY_ACKED = ("already in progress", "already been acknowledged", "already acknowledged")
_NO_ROUTE = ("invalid url", "no route matched")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
ResponseKind = Literal["json", "empty", "binary"]
WriteEncoding = Literal["data", "bare"]


def base_url_for(platform: str) -> str:
    """eMAG's API base URL (with `/api-3`) for a platform: ro, bg, hu, fd-ro, fd-bg."""
    return PLATFORM_BASE_URLS[normalise_platform(platform)]


def normalise_base_url(base_url: str) -> str:
    """Strip trailing slashes; add `/api-3` when the URL has no path (e.g. a bare sandbox host).

    Raises ValueError for anything that is not an absolute http(s) URL.
    """
    text = base_url.strip().rstrip("/")
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"invalid eMAG base URL {base_url!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"invalid eMAG base URL {base_url!r}: expected http(s)://host[/api-3]")
    if url.path in ("", "/"):
        text = f"{text}/{API_PREFIX}"
    return text


def count_leaves(value: Any) -> int:
    """Leaf values as PHP's `max_input_vars` counts them (an empty container counts as one)."""
    if isinstance(value, Mapping):
        return sum(count_leaves(v) for v in value.values()) or 1
    if isinstance(value, list | tuple):
        return sum(count_leaves(v) for v in value) or 1
    return 1


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _has(messages: Sequence[str], markers: Sequence[str]) -> bool:
    text = " ".join(messages).lower()
    return any(marker in text for marker in markers)


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` (seconds or an HTTP date), else `RateLimit-Reset` (seconds)."""
    for header in ("Retry-After", "RateLimit-Reset"):
        value = response.headers.get(header)
        if not value:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


class _Failure(Exception):
    """An attempt's failure, with what the journal needs; `retry` says whether to try again."""

    def __init__(
        self, error: EmagError, outcome: Outcome, *, retry: bool = False, backoff: bool = True
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.outcome = outcome
        self.retry = retry
        self.backoff = backoff


@dataclass
class _Reply:
    status: int
    body: Any  # what the journal stores


class OfferFilters(TypedDict, total=False):
    """`product_offer/read` and `/count` filters, as eMAG names them."""

    id: int
    status: int
    part_number: str
    part_number_key: str
    general_stock: int
    estimated_stock: int
    offer_validation_status: int
    validation_status: int
    translation_validation_status: int


class OrderFilters(TypedDict, total=False):
    """`order/read` and `/count` filters; datetimes become the platform's local time."""

    id: int
    status: int | Sequence[int]
    type: int
    payment_mode_id: int | Sequence[int]
    is_complete: int
    created_after: datetime | str
    created_before: datetime | str
    modified_after: datetime | str
    modified_before: datetime | str


class EmagClient:
    """eMAG Marketplace API for one seller account on one platform."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        account_key: str,
        platform: str = "ro",
        recorder: CallRecorder | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        max_attempts: int = 4,
        limiters: LimiterRegistry | None = None,
        write_encoding: WriteEncoding = "data",
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = normalise_base_url(base_url)
        self.account_key = account_key
        self.platform = normalise_platform(platform)
        self.zone = platform_zone(self.platform)
        self.recorder = recorder
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.write_encoding = write_encoding
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._auth = httpx.BasicAuth(username, password)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient()
        self._limiter: AccountLimiter = (limiters or default_registry).for_account(account_key)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._context = {"zone": self.zone}

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> EmagClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def limiter(self) -> AccountLimiter:
        return self._limiter

    # ------------------------------------------------------------------ generic call

    def route_of(self, path: str) -> str:
        route = path.strip().lstrip("/")
        if self.base_url.endswith("/" + API_PREFIX):
            while route.startswith(API_PREFIX + "/"):
                route = route[len(API_PREFIX) + 1 :]
        return route

    def url_of(self, path: str) -> str:
        return f"{self.base_url}/{self.route_of(path)}"

    async def call(
        self,
        path: str,
        payload: Mapping[str, Any] | Sequence[Any] | None = None,
        method: str = "POST",
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        raise_on_error: bool = True,
        idempotent: bool = True,
    ) -> Envelope:
        """Any route. A mapping is sent as is (reads: top-level filters); a list is a save and
        is wrapped as `{"data": [...]}` (or sent bare) after the size checks. Returns the envelope;
        `isError: true` raises `EmagApiError` unless `raise_on_error=False`."""
        body: Any = payload
        if isinstance(payload, Sequence) and not isinstance(payload, str | bytes):
            body = self._save_body(path, list(payload))
        elif isinstance(payload, Mapping):
            body = dict(payload)
        envelope = await self._request(
            method,
            path,
            body=body,
            params=params,
            convert=lambda env: env,
            raise_on_error=raise_on_error,
            idempotent=idempotent,
        )
        return envelope

    # ------------------------------------------------------------------ categories & lookups

    async def read_categories(
        self,
        *,
        category_id: int | None = None,
        language: str | None = None,
        current_page: int | None = None,
        items_per_page: int | None = None,
        values_current_page: int | None = None,
        values_per_page: int | None = None,
        name: str | None = None,
    ) -> list[Category]:
        """`category/read`. With `category_id`, the category comes with its characteristics
        (allowed values, mandatory flags) and family types; `language` (EN RO HU BG PL GR DE)
        goes in the query string."""
        filters = _filters(
            id=category_id,
            currentPage=current_page,
            itemsPerPage=_page_size(items_per_page) if items_per_page else None,
            valuesCurrentPage=values_current_page,
            valuesPerPage=values_per_page,
            name=name,
        )
        return await self._read_models(
            "category/read", filters, Category, params=self._language(language)
        )

    async def read_category(
        self,
        category_id: int,
        *,
        language: str | None = None,
        values_current_page: int | None = None,
        values_per_page: int | None = None,
    ) -> Category | None:
        found = await self.read_categories(
            category_id=category_id,
            language=language,
            values_current_page=values_current_page,
            values_per_page=values_per_page,
        )
        return next((c for c in found if c.id == category_id), found[0] if found else None)

    def iter_categories(
        self, *, language: str | None = None, items_per_page: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[Category]:
        return self._paginate(
            "category/read", {}, Category, items_per_page, params=self._language(language)
        )

    async def read_vat_rates(self) -> list[VatRate]:
        return await self._read_models("vat/read", {}, VatRate)

    async def read_handling_times(self) -> list[HandlingTime]:
        return await self._read_models("handling_time/read", {}, HandlingTime)

    async def read_courier_accounts(self) -> list[CourierAccount]:
        return [a async for a in self._paginate("courier_accounts/read", {}, CourierAccount)]

    async def read_addresses(self) -> list[Address]:
        return await self._read_models("addresses/read", {}, Address)

    async def read_localities(
        self,
        *,
        emag_id: int | None = None,
        name: str | None = None,
        region2: str | None = None,
        country_code: str | None = None,
        modified: datetime | str | None = None,
        current_page: int = 1,
        items_per_page: int = MAX_PAGE_SIZE,
    ) -> list[Locality]:
        filters = self._locality_filters(emag_id, name, region2, country_code, modified)
        filters.update(currentPage=current_page, itemsPerPage=_page_size(items_per_page))
        return await self._read_models("locality/read", filters, Locality)

    def iter_localities(
        self,
        *,
        emag_id: int | None = None,
        name: str | None = None,
        region2: str | None = None,
        country_code: str | None = None,
        modified: datetime | str | None = None,
        items_per_page: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[Locality]:
        filters = self._locality_filters(emag_id, name, region2, country_code, modified)
        return self._paginate("locality/read", filters, Locality, items_per_page)

    def _locality_filters(
        self,
        emag_id: int | None,
        name: str | None,
        region2: str | None,
        country_code: str | None,
        modified: datetime | str | None,
    ) -> dict[str, Any]:
        return _filters(
            emag_id=emag_id,
            name=name,
            region2=region2,
            country_code=country_code,
            modified=self._when(modified),
        )

    # ------------------------------------------------------------------ product offers

    async def read_product_offers(
        self,
        *,
        current_page: int = 1,
        items_per_page: int = MAX_PAGE_SIZE,
        **filters: Unpack[OfferFilters],
    ) -> list[ProductOffer]:
        """One page of `product_offer/read` (filters as eMAG names them, top-level)."""
        body = _filters(**filters)
        body.update(currentPage=current_page, itemsPerPage=_page_size(items_per_page))
        return await self._read_models("product_offer/read", body, ProductOffer)

    async def count_product_offers(self, **filters: Unpack[OfferFilters]) -> CountResult:
        """`product_offer/count`: an estimate (never used to end pagination)."""
        return await self._count("product_offer/count", _filters(**filters))

    def iter_product_offers(
        self, *, items_per_page: int = MAX_PAGE_SIZE, **filters: Unpack[OfferFilters]
    ) -> AsyncIterator[ProductOffer]:
        """Every matching offer, page by page, until a page shorter than `items_per_page`."""
        return self._paginate(
            "product_offer/read", _filters(**filters), ProductOffer, items_per_page
        )

    async def save_product_offers(
        self, items: Sequence[Mapping[str, Any]]
    ) -> ProductOfferSaveResult:
        """`product_offer/save` (create products, attach offers by PNK/EAN, full offer updates).

        `isError: true` is not an exception here: eMAG keeps the offer and reports documentation
        remarks (`saved_with_remarks`; read it back), except for the refusals that mean nothing
        was saved (`refused`: over 4000 vars, PN already used, ...). Auth/IP errors still raise.
        """
        path = "product_offer/save"
        body = self._save_body(path, items)
        envelope = await self._request(
            "POST", path, body=body, convert=lambda env: env, raise_on_error=False
        )
        if not envelope.is_error:
            outcome: Literal["saved", "saved_with_remarks", "refused"] = "saved"
        elif _has(envelope.messages, PRODUCT_SAVE_REFUSALS):
            outcome = "refused"
        else:
            outcome = "saved_with_remarks"
        return ProductOfferSaveResult(
            outcome=outcome, messages=envelope.messages, results=envelope.results
        )

    async def save_offers(self, offers: Sequence[Mapping[str, Any]]) -> OfferSaveResult:
        """`offer/save` (the light offer API: price, stock, status... of existing offers).

        Returns one item per offer sent (`ok`, `messages`); a failed offer is data, not an
        exception. A top-level `isError: true` (nothing processed) raises `EmagApiError`.
        """
        path = "offer/save"
        body = self._save_body(path, offers)
        sent_ids = [str(o.get("id")) for o in offers if isinstance(o, Mapping)]

        def convert(envelope: Envelope) -> OfferSaveResult:
            return _offer_save_result(envelope, sent_ids, path)

        return await self._request("POST", path, body=body, convert=convert)

    async def update_offer_stock(
        self, product_id: int, stock: int | Mapping[int, int], *, warehouse_id: int | None = None
    ) -> None:
        """`PATCH offer_stock/{id}` (204). `stock` is one number (eMAG's documented
        `{"stock": N}`, or a warehouse's list entry when `warehouse_id` is given) or a
        `{warehouse_id: value}` mapping (`{"stock": [{"warehouse_id", "value"}, ...]}`)."""
        if isinstance(stock, Mapping):
            body: dict[str, Any] = {
                "stock": [{"warehouse_id": w, "value": v} for w, v in stock.items()]
            }
        elif warehouse_id is not None:
            body = {"stock": [{"warehouse_id": warehouse_id, "value": stock}]}
        else:
            body = {"stock": stock}
        await self._request(
            "PATCH", f"offer_stock/{int(product_id)}", body=body, kind="empty", convert=_ignore
        )

    async def find_by_eans(self, eans: Sequence[str]) -> dict[str, list[EanProduct]]:
        """`GET documentation/find_by_eans`, 100 EANs per call. Every EAN asked for is a key of
        the result, with the matching eMAG products (an empty list when none)."""
        wanted = list(dict.fromkeys(str(e).strip() for e in eans if str(e).strip()))
        found: dict[str, list[EanProduct]] = {ean: [] for ean in wanted}
        for chunk in _chunks(wanted, MAX_EANS_PER_CALL):
            params = [("eans[]", ean) for ean in chunk]

            def convert(envelope: Envelope) -> dict[str, list[EanProduct]]:
                return self._ean_results(envelope)

            part = await self._request(
                "GET", "documentation/find_by_eans", params=params, convert=convert
            )
            for ean, products in part.items():
                found.setdefault(ean, []).extend(products)
        return found

    def _ean_results(self, envelope: Envelope) -> dict[str, list[EanProduct]]:
        route = "documentation/find_by_eans"
        results = envelope.results
        out: dict[str, list[EanProduct]] = {}
        if isinstance(results, Mapping):
            for ean, entry in results.items():
                products = entry.get("products", []) if isinstance(entry, Mapping) else entry
                out[str(ean)] = self._models(EanProduct, _as_list(products, route), route)
        elif isinstance(results, list):
            for product in self._models(EanProduct, results, route):
                out.setdefault(product.ean or "", []).append(product)
        elif results not in (None, ""):
            raise EmagInvalidResponse(
                "eMAG's EAN search answered with an unexpected shape.", route=route
            )
        return out

    # ------------------------------------------------------------------ orders

    async def read_orders(
        self,
        *,
        current_page: int = 1,
        items_per_page: int = MAX_PAGE_SIZE,
        **filters: Unpack[OrderFilters],
    ) -> list[Order]:
        """One page of `order/read`. Datetime filters are converted to the platform's local
        time. Note eMAG's default `type` is 3 (seller-fulfilled): pass `type=2` for FBE."""
        body = self._order_filters(filters)
        body.update(currentPage=current_page, itemsPerPage=_page_size(items_per_page))
        return await self._read_models("order/read", body, Order)

    async def read_order(self, order_id: int) -> Order | None:
        orders = await self.read_orders(id=order_id)
        return next((o for o in orders if o.id == order_id), None)

    async def count_orders(self, **filters: Unpack[OrderFilters]) -> CountResult:
        return await self._count("order/count", self._order_filters(filters))

    def iter_orders(
        self, *, items_per_page: int = MAX_PAGE_SIZE, **filters: Unpack[OrderFilters]
    ) -> AsyncIterator[Order]:
        """Every matching order, page by page, until a short page."""
        return self._paginate("order/read", self._order_filters(filters), Order, items_per_page)

    def _order_filters(self, filters: OrderFilters) -> dict[str, Any]:
        status = filters.get("status")
        payment_mode_id = filters.get("payment_mode_id")
        return _filters(
            id=filters.get("id"),
            status=list(status) if isinstance(status, Sequence) else status,
            type=filters.get("type"),
            payment_mode_id=(
                list(payment_mode_id) if isinstance(payment_mode_id, Sequence) else payment_mode_id
            ),
            is_complete=filters.get("is_complete"),
            createdAfter=self._when(filters.get("created_after")),
            createdBefore=self._when(filters.get("created_before")),
            modifiedAfter=self._when(filters.get("modified_after")),
            modifiedBefore=self._when(filters.get("modified_before")),
        )

    async def save_orders(self, orders: Sequence[Mapping[str, Any] | Order]) -> Envelope:
        """`order/save`: send each order whole, as last read (an `Order` is sent as its `.raw`),
        with your changes applied. `isError: true` raises `EmagApiError`."""
        payload = [o.raw if isinstance(o, Order) else o for o in orders]
        return await self.call("order/save", payload)

    async def acknowledge_order(self, order_id: int) -> AckResult:
        """`POST order/acknowledge/{id}` (no body). An order already acknowledged ("already in
        progress") counts as done: `already_acknowledged=True`, no exception."""
        path = f"order/acknowledge/{int(order_id)}"
        try:
            envelope = await self._request("POST", path, convert=lambda env: env, kind="empty")
        except EmagApiError as exc:
            if _has([*exc.messages, exc.seller_message], _ALREADY_ACKED):
                return AckResult(
                    order_id=order_id, already_acknowledged=True, messages=exc.messages
                )
            raise
        return AckResult(order_id=order_id, messages=envelope.messages)

    async def unlock_courier(self, order_id: int) -> Envelope:
        return await self._request(
            "POST", f"order/{int(order_id)}/unlock-courier", convert=lambda env: env, kind="empty"
        )

    async def save_order_attachments(self, attachments: Sequence[Mapping[str, Any]]) -> Envelope:
        """`order/attachments/save`: `{order_id, order_type, url, type, name, ...}` items."""
        return await self.call("order/attachments/save", attachments)

    # ------------------------------------------------------------------ AWB

    async def save_awb(self, awb: Mapping[str, Any]) -> AwbSaveResult:
        """`awb/save` for one AWB. Not idempotent on eMAG's side, so it is retried only when the
        request surely did not arrive (connection refused, connect timeout, 429)."""
        path = "awb/save"
        body = self._save_body(path, [awb])

        def convert(envelope: Envelope) -> AwbSaveResult:
            results = envelope.results
            if isinstance(results, list):
                results = results[0] if results else {}
            if not isinstance(results, Mapping):
                raise EmagInvalidResponse(
                    "eMAG confirmed the AWB without its reservation or eMAG id.", route=path
                )
            return self._model(AwbSaveResult, results, path)

        return await self._request("POST", path, body=body, convert=convert, idempotent=False)

    async def read_awb(
        self, *, emag_id: int | None = None, reservation_id: int | None = None
    ) -> list[Awb]:
        if emag_id is None and reservation_id is None:
            raise ValueError("awb/read needs emag_id or reservation_id")
        filters = _filters(emag_id=emag_id, reservation_id=reservation_id)
        return await self._read_models("awb/read", filters, Awb)

    async def read_awb_pdf(self, emag_id: int, awb_format: str = "A4") -> bytes:
        """`GET awb/read_pdf`: the label (PDF, or ZPL text). eMAG reports errors here as JSON
        even with HTTP 200, so the content is checked, never saved blindly."""
        fmt = awb_format.upper()
        if fmt not in AWB_FORMATS:
            raise ValueError(f"awb_format must be one of {sorted(AWB_FORMATS)}")
        params = {"emag_id": int(emag_id), "awb_format": fmt}
        return await self._request(
            "GET", "awb/read_pdf", params=params, kind="binary", convert=_binary_of
        )

    # ------------------------------------------------------------------ connection test

    async def check_connection(
        self, *, timeout: float = 10.0, attempts: int = 2
    ) -> ConnectionCheck:
        """Calls `vat/read` and explains the outcome instead of raising."""
        started = time.perf_counter()
        route = "vat/read"
        try:
            await self._request(
                "POST",
                route,
                body={},
                convert=lambda env: env,
                timeout=timeout,
                attempts=attempts,
            )
        except EmagError as exc:
            return ConnectionCheck(
                ok=False,
                kind=_connection_kind(exc),
                message=str(exc),
                http_status=exc.http_status,
                route=route,
                duration_ms=_ms_since(started),
            )
        return ConnectionCheck(
            ok=True,
            kind="ok",
            message="Connected: eMAG accepted the credentials and this server's IP.",
            http_status=200,
            route=route,
            duration_ms=_ms_since(started),
        )

    # ------------------------------------------------------------------ helpers: reads

    def _language(self, language: str | None) -> dict[str, str] | None:
        if language is None:
            return None
        if language.upper() not in CATEGORY_LANGUAGES:
            raise ValueError(f"language must be one of {sorted(CATEGORY_LANGUAGES)}")
        return {"language": language.lower()}

    def _when(self, value: datetime | date | str | None) -> str | None:
        return None if value is None else format_local_datetime(value, self.zone)

    async def _read_models(
        self,
        path: str,
        filters: Mapping[str, Any],
        model: type[M],
        *,
        params: Mapping[str, Any] | None = None,
    ) -> list[M]:
        def convert(envelope: Envelope) -> list[M]:
            return self._models(model, _as_list(envelope.results, path), path)

        return await self._request("POST", path, body=dict(filters), params=params, convert=convert)

    async def _count(self, path: str, filters: Mapping[str, Any]) -> CountResult:
        def convert(envelope: Envelope) -> CountResult:
            results = envelope.results
            if isinstance(results, list) and len(results) == 1:
                results = results[0]
            if not isinstance(results, Mapping):
                raise EmagInvalidResponse(
                    "eMAG's count answered without noOfItems/noOfPages.", route=path
                )
            return self._model(CountResult, results, path)

        return await self._request("POST", path, body=dict(filters), convert=convert)

    async def _paginate(
        self,
        path: str,
        filters: Mapping[str, Any],
        model: type[M],
        items_per_page: int = MAX_PAGE_SIZE,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[M]:
        """Pages 1, 2, ... until one holds fewer than `items_per_page` items. Counts are never
        trusted. A page identical to the previous one (a server ignoring `currentPage`) stops
        the loop with `EmagInvalidResponse` rather than spinning forever."""
        size = _page_size(items_per_page)
        previous: list[Any] | None = None
        for page in range(1, MAX_PAGES + 1):
            body = {**filters, "currentPage": page, "itemsPerPage": size}

            def convert(envelope: Envelope) -> list[Any]:
                return _as_list(envelope.results, path)

            items = await self._request("POST", path, body=body, params=params, convert=convert)
            if items and previous is not None and items == previous:
                raise EmagInvalidResponse(
                    f"eMAG returned page {page} identical to page {page - 1}; pagination is not "
                    "advancing, so reading stopped.",
                    route=path,
                )
            for item in self._models(model, items, path):
                yield item
            if len(items) < size:
                return
            previous = items

    def _models(self, model: type[M], items: Sequence[Any], route: str) -> list[M]:
        return [self._model(model, item, route) for item in items]

    def _model(self, model: type[M], item: Any, route: str) -> M:
        try:
            return model.model_validate(item, context=self._context)
        except ValidationError as exc:
            errors = [
                f"{'.'.join(str(p) for p in err['loc']) or model.__name__}: {err['msg']}"
                for err in exc.errors()[:5]
            ]
            raise EmagInvalidResponse(
                f"eMAG sent a {model.__name__} this gateway cannot read.",
                route=route,
                messages=errors,
            ) from None

    # ------------------------------------------------------------------ helpers: writes

    def _save_body(self, path: str, items: Sequence[Any]) -> Any:
        entities = [i.raw if isinstance(i, Order) else i for i in items]
        if self.write_encoding == "bare":
            return list(entities)
        return {"data": list(entities)}

    async def _check_size(self, path: str, method: str, body: Any) -> None:
        entities = None
        if isinstance(body, Mapping) and isinstance(body.get("data"), list):
            entities = len(body["data"])
        elif isinstance(body, list):
            entities = len(body)
        leaves = count_leaves(body)
        problem = None
        if entities is not None and entities > MAX_SAVE_ITEMS:
            problem = (
                f"{entities} items in one save; eMAG accepts at most {MAX_SAVE_ITEMS}. "
                "Nothing was sent: send them in batches of 50 or fewer."
            )
        elif leaves > MAX_INPUT_VARS:
            problem = (
                f"{leaves} values in one request; eMAG accepts at most {MAX_INPUT_VARS} "
                "('Maximum input vars of 4000 exceeded'). Nothing was sent: send fewer items "
                "or fewer characteristics per request."
            )
        if problem is None:
            return
        route = self.route_of(path)
        error = EmagRequestTooLarge(problem, route=route)
        await self._record(
            CallRecord(
                account_key=self.account_key,
                route=route,
                method=method,
                request_body={"not_sent": True, "items": entities, "leaf_values": leaves},
                response_status=None,
                response_body=None,
                duration_ms=0,
                outcome="api_error",
                attempt=0,
                error_message=problem,
                started_at=datetime.now(UTC),
            )
        )
        raise error

    # ------------------------------------------------------------------ the exchange

    async def _request(
        self,
        method: str,
        path: str,
        *,
        convert: Callable[[Envelope], T],
        body: Any = None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        kind: ResponseKind = "json",
        raise_on_error: bool = True,
        idempotent: bool = True,
        timeout: float | None = None,
        attempts: int | None = None,
    ) -> T:
        method = method.upper()
        route = self.route_of(path)
        url = f"{self.base_url}/{route}"
        if body is not None:
            await self._check_size(route, method, body)
        total = attempts or self.max_attempts
        limit = timeout or self.timeout
        http_timeout = httpx.Timeout(limit, connect=min(limit, 10.0))
        journal_request = sanitize(body) if body is not None else _params_for_journal(params)
        for attempt in range(1, total + 1):
            await self._limiter.acquire(route)
            started_at = datetime.now(UTC)
            t0 = time.perf_counter()
            status: int | None = None
            reply_body: Any = None
            try:
                try:
                    response = await self._http.request(
                        method,
                        url,
                        json=body,
                        params=params,  # type: ignore[arg-type]
                        auth=self._auth,
                        timeout=http_timeout,
                        headers={"Accept": "application/json"},
                    )
                except httpx.TimeoutException as exc:
                    safe = idempotent or isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
                    raise _Failure(
                        EmagUnavailable(
                            f"eMAG did not answer within {limit:g} s "
                            f"({type(exc).__name__}); it is down or unreachable.",
                            route=route,
                        ),
                        "timeout",
                        retry=safe,
                    ) from None
                except httpx.UnsupportedProtocol as exc:
                    raise _Failure(
                        EmagUnavailable(f"The eMAG base URL is not usable: {exc}", route=route),
                        "network_error",
                    ) from None
                except httpx.TransportError as exc:
                    safe = idempotent or isinstance(exc, httpx.ConnectError)
                    raise _Failure(
                        EmagUnavailable(
                            f"Could not reach eMAG at {self.base_url} "
                            f"({type(exc).__name__}: {exc or 'connection failed'}).",
                            route=route,
                        ),
                        "network_error",
                        retry=safe,
                    ) from None
                status = response.status_code
                reply = self._reply_body(response, kind)
                reply_body = reply.body
                result = self._handle(
                    response, route, kind, convert, raise_on_error, idempotent, reply
                )
            except _Failure as failure:
                failure.error.attempts = attempt
                await self._record(
                    self._record_of(
                        route,
                        method,
                        journal_request,
                        status,
                        reply_body,
                        t0,
                        failure.outcome,
                        attempt,
                        str(failure.error),
                        started_at,
                    )
                )
                if not failure.retry or attempt >= total:
                    if failure.retry:
                        log.warning(
                            "eMAG %s %s gave up after %d attempts: %s",
                            method,
                            route,
                            attempt,
                            failure.error,
                        )
                    raise failure.error from None
                delay = self._backoff(attempt) if failure.backoff else 0.0
                log.info(
                    "eMAG %s %s attempt %d/%d failed (%s); retrying in %.2f s",
                    method,
                    route,
                    attempt,
                    total,
                    failure.outcome,
                    delay,
                )
                if delay > 0:
                    await self._sleep(delay)
                continue
            self._limiter.succeeded(route)
            await self._record(
                self._record_of(
                    route,
                    method,
                    journal_request,
                    status,
                    reply_body,
                    t0,
                    result.outcome,
                    attempt,
                    result.error_message,
                    started_at,
                )
            )
            return result.value
        raise AssertionError("unreachable")  # pragma: no cover

    def _handle(
        self,
        response: httpx.Response,
        route: str,
        kind: ResponseKind,
        convert: Callable[[Envelope], T],
        raise_on_error: bool,
        idempotent: bool,
        reply: _Reply,
    ) -> _Handled[T]:
        status = response.status_code
        if status == 429:
            pause = self._limiter.penalize(route, _retry_after(response))
            raise _Failure(
                EmagRateLimited(
                    "eMAG kept refusing calls with 429 (rate limit exceeded) after retrying; "
                    "the account's calls are paused. Try again in a minute.",
                    retry_after=pause,
                    route=route,
                    http_status=429,
                    messages=_messages_of(reply.body),
                ),
                "rate_limited",
                retry=True,
                backoff=False,
            )
        if status >= 500:
            maybe_done = (
                ""
                if idempotent
                else " The request may still have been processed: check on eMAG before repeating."
            )
            raise _Failure(
                EmagUnavailable(
                    f"eMAG answered HTTP {status} (a server error): eMAG is down or having "
                    f"trouble. Try again later.{maybe_done}",
                    route=route,
                    http_status=status,
                    messages=_messages_of(reply.body),
                ),
                "http_error",
                retry=idempotent,
            )
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            raise _Failure(
                EmagInvalidResponse(
                    f"eMAG answered with a redirect (HTTP {status}) to {location or 'elsewhere'} "
                    "instead of its API's JSON. Check the base URL (https, host, /api-3).",
                    route=route,
                    http_status=status,
                ),
                "invalid_response",
            )
        if status >= 400 or status < 200:
            raise _Failure(self._client_error(status, route, reply.body), "http_error")

        if kind == "binary":
            content = self._binary_or_error(response, route, reply)
            return _Handled(convert(Envelope(False, [], content, status)), "ok", None)
        if kind == "empty" and (status == 204 or not response.content.strip()):
            return _Handled(convert(Envelope(False, [], None, status)), "ok", None)

        envelope = self._envelope(response, route)
        if envelope.is_error:
            error = self._api_error(envelope, route)
            if raise_on_error or not isinstance(error, EmagApiError):
                raise _Failure(error, "api_error")
            try:
                value = convert(envelope)
            except EmagInvalidResponse as exc:
                raise _Failure(exc, "invalid_response") from None
            return _Handled(value, "api_error", str(error))
        try:
            value = convert(envelope)
        except EmagInvalidResponse as exc:
            raise _Failure(exc, "invalid_response") from None
        except EmagApiError as exc:
            raise _Failure(exc, "api_error") from None
        return _Handled(value, "ok", None)

    def _envelope(self, response: httpx.Response, route: str) -> Envelope:
        status = response.status_code
        text = response.text
        if not text.strip():
            raise _Failure(
                EmagInvalidResponse(
                    f"eMAG answered HTTP {status} with an empty body instead of JSON.",
                    route=route,
                    http_status=status,
                ),
                "invalid_response",
            )
        try:
            data = json.loads(text)
        except ValueError:
            what = "an HTML page" if text.lstrip().startswith("<") else "text that is not JSON"
            raise _Failure(
                EmagInvalidResponse(
                    f"eMAG answered HTTP {status} with {what} instead of its JSON envelope. "
                    "The base URL may point at the wrong place, or eMAG is having trouble.",
                    route=route,
                    http_status=status,
                    messages=[_snippet(text)],
                ),
                "invalid_response",
            ) from None
        if not isinstance(data, Mapping) or not ({"isError", "results"} & set(data)):
            raise _Failure(
                EmagInvalidResponse(
                    "eMAG answered JSON without its envelope (isError, messages, results).",
                    route=route,
                    http_status=status,
                    messages=[_snippet(text)],
                ),
                "invalid_response",
            )
        try:
            is_error = bool(parse_bool(data.get("isError")) or False)
        except ValueError:
            is_error = True
        return Envelope(
            is_error=is_error,
            messages=normalise_messages(data.get("messages")),
            results=data.get("results"),
            http_status=status,
            errors=normalise_messages(data.get("errors")),
            raw=data,
        )

    def _api_error(self, envelope: Envelope, route: str) -> EmagError:
        messages = envelope.messages + [m for m in envelope.errors if m not in envelope.messages]
        status = envelope.http_status
        if _has(messages, _IP_MARKERS):
            return EmagIpNotAllowed(route=route, http_status=status, messages=messages)
        if _has(messages, _AUTH_MARKERS):
            return EmagAuthError(route=route, http_status=status, messages=messages)
        text = "; ".join(messages) or "no message"
        return EmagApiError(
            f"eMAG refused the request: {text}", route=route, http_status=status, messages=messages
        )

    def _client_error(self, status: int, route: str, body: Any) -> EmagError:
        messages = _messages_of(body)
        if _has(messages, _IP_MARKERS):
            return EmagIpNotAllowed(route=route, http_status=status, messages=messages)
        if status in (401, 403) or _has(messages, _AUTH_MARKERS):
            return EmagAuthError(route=route, http_status=status, messages=messages)
        if status == 404 and (not messages or _has(messages, _NO_ROUTE)):
            return EmagApiError(
                f"eMAG has no route '{route}' at {self.base_url} (HTTP 404). Check the base URL: "
                "it should end in /api-3.",
                route=route,
                http_status=status,
                messages=messages,
            )
        text = "; ".join(messages) or f"HTTP {status}"
        return EmagApiError(
            f"eMAG refused the request: {text}", route=route, http_status=status, messages=messages
        )

    def _binary_or_error(self, response: httpx.Response, route: str, reply: _Reply) -> bytes:
        content = response.content
        ctype = response.headers.get("content-type", "").lower()
        head = content.lstrip()[:1]
        if "json" in ctype or head in (b"{", b"["):
            envelope = self._envelope(response, route)
            if envelope.is_error:
                raise _Failure(self._api_error(envelope, route), "api_error")
            raise _Failure(
                EmagInvalidResponse(
                    "eMAG answered JSON where a label file was expected.",
                    route=route,
                    http_status=response.status_code,
                    messages=envelope.messages,
                ),
                "invalid_response",
            )
        if not content.strip():
            raise _Failure(
                EmagInvalidResponse(
                    "eMAG answered an empty body where a label file was expected.",
                    route=route,
                    http_status=response.status_code,
                ),
                "invalid_response",
            )
        if "html" in ctype or head == b"<":
            raise _Failure(
                EmagInvalidResponse(
                    "eMAG answered an HTML page where a label file was expected.",
                    route=route,
                    http_status=response.status_code,
                    messages=[_snippet(response.text)],
                ),
                "invalid_response",
            )
        return content

    def _reply_body(self, response: httpx.Response, kind: ResponseKind) -> _Reply:
        content = response.content
        ctype = response.headers.get("content-type", "").lower()
        if not content:
            return _Reply(response.status_code, None)
        if kind == "binary" and "json" not in ctype and content.lstrip()[:1] not in (b"{", b"["):
            return _Reply(
                response.status_code,
                {"binary": True, "content_type": ctype or None, "bytes": len(content)},
            )
        try:
            return _Reply(response.status_code, bounded_json(json.loads(response.text)))
        except ValueError:
            return _Reply(response.status_code, text_snippet(response.text))

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _record_of(
        self,
        route: str,
        method: str,
        request_body: Any,
        status: int | None,
        response_body: Any,
        t0: float,
        outcome: Outcome,
        attempt: int,
        error_message: str | None,
        started_at: datetime,
    ) -> CallRecord:
        return CallRecord(
            account_key=self.account_key,
            route=route,
            method=method,
            request_body=request_body,
            response_status=status,
            response_body=response_body,
            duration_ms=_ms_since(t0),
            outcome=outcome,
            attempt=attempt,
            error_message=error_message,
            started_at=started_at,
        )

    async def _record(self, record: CallRecord) -> None:
        if self.recorder is None:
            return
        try:
            await self.recorder.record(record)
        except Exception:
            log.exception(
                "Could not journal eMAG call %s %s (attempt %d); the call itself is unaffected",
                record.method,
                record.route,
                record.attempt,
            )


@dataclass
class _Handled(Generic[T]):
    value: T
    outcome: Outcome
    error_message: str | None


# ---------------------------------------------------------------------------- module helpers


def _connection_kind(exc: EmagError) -> ConnectionKind:
    kinds: dict[type[EmagError], ConnectionKind] = {
        EmagAuthError: "auth",
        EmagIpNotAllowed: "ip_not_allowed",
        EmagUnavailable: "unavailable",
        EmagRateLimited: "rate_limited",
        EmagInvalidResponse: "invalid_response",
        EmagApiError: "api_error",
    }
    return next((k for cls, k in kinds.items() if isinstance(exc, cls)), "error")


def _filters(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _page_size(items_per_page: int) -> int:
    return max(1, min(MAX_PAGE_SIZE, int(items_per_page)))


def _ms_since(t0: float) -> int:
    return round((time.perf_counter() - t0) * 1000)


def _ignore(envelope: Envelope) -> None:
    return None


def _binary_of(envelope: Envelope) -> bytes:
    value = envelope.results
    assert isinstance(value, bytes)
    return value


def _snippet(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _params_for_journal(
    params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
) -> Any:
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {"query": sanitize(params)}
    query: dict[str, Any] = {}
    for key, value in params:
        if key in query:
            existing = query[key]
            query[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            query[key] = [value] if key.endswith("[]") else value
    return {"query": sanitize(query)}


def _messages_of(body: Any) -> list[str]:
    """Messages from any error body: `messages`, `message`, `errors`, `error`, or a snippet."""
    if body is None:
        return []
    if isinstance(body, Mapping):
        if "text" in body and len(body) <= 3 and isinstance(body.get("text"), str):
            return [_snippet(body["text"])] if body["text"].strip() else []
        out: list[str] = []
        for key in ("messages", "message", "errors", "error"):
            for message in normalise_messages(body.get(key)):
                if message not in out:
                    out.append(message)
        return out
    return normalise_messages(body)


def _as_list(results: Any, route: str) -> list[Any]:
    """A read's `results` as a list: None/"" → []; one object → [it]; id-keyed → values."""
    if results is None or results == "":
        return []
    if isinstance(results, list):
        return results
    if isinstance(results, Mapping):
        if results and all(str(k).isdigit() for k in results):
            return list(results.values())
        return [results]
    raise EmagInvalidResponse(
        f"eMAG's results are a {type(results).__name__} where a list was expected.", route=route
    )


def _offer_save_result(envelope: Envelope, sent_ids: Sequence[str], route: str) -> OfferSaveResult:
    results = envelope.results
    reported: dict[str, OfferSaveItem] = {}

    def add(key: Any, entry: Any) -> None:
        if isinstance(entry, Mapping):
            offer_id = str(entry.get("id", key))
            try:
                failed = bool(parse_bool(entry.get("isError")) or False)
            except ValueError:
                failed = True
            messages = normalise_messages(entry.get("messages"))
            messages += [m for m in normalise_messages(entry.get("errors")) if m not in messages]
        else:
            offer_id, failed, messages = str(key), False, normalise_messages(entry)
        reported[offer_id] = OfferSaveItem(
            id=_offer_id(offer_id, route), ok=not failed, messages=messages
        )

    if isinstance(results, Mapping):
        for key, entry in results.items():
            add(key, entry)
    elif isinstance(results, list):
        for entry in results:
            if isinstance(entry, Mapping) and "id" in entry:
                add(entry["id"], entry)
    elif results not in (None, ""):
        raise EmagInvalidResponse(
            "eMAG's offer/save results have an unexpected shape.", route=route
        )
    items: list[OfferSaveItem] = []
    for offer_id in sent_ids:
        item = reported.pop(offer_id, None)
        items.append(
            item
            or OfferSaveItem(
                id=_offer_id(offer_id, route), ok=not envelope.is_error, reported=False
            )
        )
    items.extend(reported.values())
    return OfferSaveResult(items=items, messages=envelope.messages)


def _offer_id(raw: str, route: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise EmagInvalidResponse(
            f"eMAG reported a result for offer id {raw!r}, which is not a number.", route=route
        ) from None
