"""eMAG's rules on the state: offer validation lifecycle, stock, orders and their statuses."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from emag_sandbox.seed import make_pnk, random_customer
from emag_sandbox.state import (
    Account,
    Awb,
    CatalogProduct,
    HistoryEntry,
    Offer,
    Order,
    OrderLine,
    Platform,
    Store,
)
from emag_sandbox.util import fmt_dt, money, utcnow

VALIDATION_DESCRIPTIONS = {
    0: "Draft",
    1: "In MKTP validation",
    2: "Awaiting Brand validation",
    3: "Waiting for EAN approval",
    4: "New Documentation validation pending",
    5: "Brand rejected",
    6: "EAN rejected",
    8: "Documentation rejected",
    9: "Approved documentation",
    10: "Blocked",
    11: "Update awaiting approval",
    12: "Update rejected",
    13: "Waiting for saleable offer",
    14: "Unsuccessful translation",
    15: "Translation in progress",
    16: "Translation pending",
    17: "Partial translation",
}
SELLABLE_VALIDATION = {3, 9, 11, 12}
OFFER_VALIDATION_DESCRIPTIONS = {1: "Valid", 2: "Invalid price"}
PAYMENT_MODES = {1: "Ramburs", 2: "Ordin de plata", 3: "Card online"}
CANCELLATION_REASONS = {
    1: "Lipsa stoc",
    2: "Anulata de client",
    3: "Client necontactabil",
    24: "La cererea clientului",
    31: "Partenerul Marketplace a solicitat anularea",
    33: "Produsul nu mai este in stocul partenerului",
    34: "Alte motive",
}


# --- offers -----------------------------------------------------------------------------------


def refresh_validation(store: Store, account: Account, offer: Offer, now: datetime) -> None:
    """The human validation on a timer: 1/4/11 become 9 once `validation_due_at` passes."""
    if offer.validation_due_at is None or now < offer.validation_due_at:
        return
    if not store.settings.auto_approve:
        return
    offer.validation_due_at = None
    offer.validation_status = 9
    offer.validation_errors = []
    offer.modified = now
    platform = store.platform(account.platform)
    if offer.part_number_key is None:
        rng = random.Random(f"pnk-{account.username}-{offer.id}")
        pnk = make_pnk(rng)
        while pnk in platform.catalog:
            pnk = make_pnk(rng)
        offer.part_number_key = pnk
    if offer.part_number_key not in platform.catalog:
        platform.add_catalog_product(
            CatalogProduct(
                part_number_key=offer.part_number_key,
                name=offer.name,
                brand=offer.brand or "",
                category_id=offer.category_id or 0,
                eans=list(offer.ean),
                image=offer.images[0]["url"] if offer.images else "",
                hotness="SUPER COLD",
                owner=account.username,
            )
        )


def reserved_quantity(account: Account, offer_id: int) -> int:
    return sum(
        line.quantity
        for order in account.orders.values()
        if order.reserved
        for line in order.products
        if line.product_id == offer_id and line.status == 1
    )


def estimated_stock(account: Account, offer: Offer) -> int:
    return max(0, offer.general_stock - reserved_quantity(account, offer.id))


def is_live(offer: Offer) -> bool:
    return (
        offer.status == 1
        and offer.general_stock > 0
        and offer.offer_validation_status == 1
        and offer.validation_status in SELLABLE_VALIDATION
    )


def record_price(offer: Offer, source: str, now: datetime) -> None:
    value = {
        "sale_price": money(offer.sale_price),
        "recommended_price": money(offer.recommended_price),
        "min_sale_price": money(offer.min_sale_price),
        "max_sale_price": money(offer.max_sale_price),
    }
    last = offer.price_history[-1].value if offer.price_history else None
    if last != value:
        offer.price_history.append(HistoryEntry(now, source, value))


def record_stock(offer: Offer, source: str, now: datetime) -> None:
    value = [dict(s) for s in offer.stock]
    last = offer.stock_history[-1].value if offer.stock_history else None
    if last != value:
        offer.stock_history.append(HistoryEntry(now, source, value))


def adjust_stock(offer: Offer, delta: int, warehouse_id: int, source: str, now: datetime) -> None:
    """Add `delta` (negative = take) to one warehouse, never below 0."""
    stock = [dict(entry) for entry in offer.stock]  # history entries keep their own copies
    for entry in stock:
        if int(entry.get("warehouse_id", 1)) == warehouse_id:
            entry["value"] = max(0, min(65535, int(entry.get("value", 0)) + delta))
            break
    else:
        stock.append({"warehouse_id": warehouse_id, "value": max(0, delta)})
    offer.stock = stock
    offer.modified = now
    record_stock(offer, source, now)


def render_offer(store: Store, account: Account, offer: Offer, *, single: bool) -> dict[str, Any]:
    platform = store.platform(account.platform)
    tz = platform.info.tz
    validation = {
        "value": offer.validation_status,
        "description": VALIDATION_DESCRIPTIONS.get(offer.validation_status, ""),
        "errors": list(offer.validation_errors) or None,
    }
    gpsr_complete = bool(offer.manufacturer)
    return {
        "id": offer.id,
        "category_id": offer.category_id,
        "vendor_category_id": offer.vendor_category_id,
        "part_number_key": offer.part_number_key,
        "part_number": offer.part_number,
        "name": offer.name,
        "brand": offer.brand,
        "description": offer.description,
        "url": offer.url,
        "ean": list(offer.ean),
        "warranty": offer.warranty,
        "images": [dict(i) for i in offer.images],
        "characteristics": [dict(c) for c in offer.characteristics],
        "family": dict(offer.family) if offer.family else None,
        "attachments": [dict(a) for a in offer.attachments],
        "status": offer.status,
        "sale_price": money(offer.sale_price),
        "recommended_price": money(offer.recommended_price),
        "min_sale_price": money(offer.min_sale_price),
        "max_sale_price": money(offer.max_sale_price),
        "currency": offer.currency_type or platform.info.currency,
        "vat_id": offer.vat_id,
        "stock": [dict(s) for s in offer.stock],
        "general_stock": offer.general_stock,
        "estimated_stock": estimated_stock(account, offer),
        "handling_time": [dict(h) for h in offer.handling_time],
        "supply_lead_time": offer.supply_lead_time,
        "start_date": offer.start_date,
        "number_of_offers": offer.number_of_offers,
        "buy_button_rank": offer.buy_button_rank,
        "best_offer_sale_price": money(offer.best_offer_sale_price or offer.sale_price),
        "best_offer_recommended_price": money(
            offer.best_offer_recommended_price or offer.recommended_price
        ),
        "ownership": offer.ownership,
        "validation_status": [validation],
        "translation_validation_status": [],
        "offer_validation_status": {
            "value": offer.offer_validation_status,
            "description": OFFER_VALIDATION_DESCRIPTIONS.get(offer.offer_validation_status, ""),
        },
        "doc_errors": list(offer.validation_errors) if offer.validation_status in (0, 8) else None,
        "genius_eligibility": 1 if offer.status == 1 else 0,
        "genius_eligibility_type": 1,
        "genius_computed": 1 if offer.emag_club and offer.status == 1 else 0,
        "emag_club": offer.emag_club,
        "manufacturer": [dict(m) for m in offer.manufacturer] if single else gpsr_complete,
        "eu_representative": [dict(m) for m in offer.eu_representative]
        if single
        else bool(offer.eu_representative),
        "safety_information": offer.safety_information,
        "green_tax": money(offer.green_tax),
        "created": fmt_dt(offer.created, tz),
        "modified": fmt_dt(offer.modified, tz),
    }


# --- orders -----------------------------------------------------------------------------------


def schedule_new_order_callback(store: Store, account: Account, order: Order) -> None:
    if order.status == 1 and account.new_order_callback_url:
        order.next_callback_at = utcnow()


def schedule_cancellation_callback(store: Store, account: Account, order: Order) -> None:
    order.next_callback_at = None
    if account.cancellation_callback_url:
        order.cancellation_callback_pending = True
        order.next_cancellation_callback_at = utcnow()


def set_status(order: Order, status: int, source: str, now: datetime) -> None:
    if order.status != status:
        order.status_history.append(HistoryEntry(now, source, {"from": order.status, "to": status}))
        order.status = status
        order.status_changed_at = now
    order.modified = now


def take_stock(store: Store, account: Account, order: Order, source: str, now: datetime) -> None:
    if order.stock_taken:
        return
    for line in order.products:
        offer = account.offers.get(line.product_id)
        if offer is not None and line.status == 1:
            adjust_stock(offer, -line.quantity, line.warehouse_id, source, now)
    order.stock_taken = True


def give_back_stock(
    store: Store, account: Account, order: Order, source: str, now: datetime
) -> None:
    if not order.stock_taken:
        return
    for line in order.products:
        offer = account.offers.get(line.product_id)
        if offer is not None and line.status == 1:
            adjust_stock(offer, line.quantity, line.warehouse_id, source, now)
    order.stock_taken = False


@dataclass
class LineRequest:
    product_id: int
    quantity: int
    sale_price: Decimal | None = None


def place_order(
    store: Store,
    account: Account,
    lines: list[LineRequest],
    *,
    rng: random.Random,
    payment_mode_id: int = 1,
    delivery_mode: str = "courier",
    order_type: int = 3,
    customer: dict[str, Any] | None = None,
    shipping_tax: Decimal | None = None,
    locker_id: str | None = None,
    enforced_courier_accounts: list[int] | None = None,
) -> Order:
    """A customer places an order: eMAG takes the stock and starts notifying the seller."""
    platform = store.platform(account.platform)
    now = utcnow().replace(microsecond=0)
    vat_rates = {vat_id: Decimal(rate) for vat_id, rate, _ in platform.info.vat_rates}
    order_lines: list[OrderLine] = []
    for request in lines:
        offer = account.offers[request.product_id]
        price = request.sale_price if request.sale_price is not None else offer.sale_price
        order_lines.append(
            OrderLine(
                id=store.next_line_id(),
                product_id=offer.id,
                name=offer.name,
                quantity=request.quantity,
                initial_qty=request.quantity,
                sale_price=price,
                original_price=price,
                vat=vat_rates.get(offer.vat_id, Decimal("0.21")),
                currency=platform.info.currency,
                created=now,
                modified=now,
                part_number_key=offer.part_number_key,
                part_number=offer.part_number,
                ext_part_number=offer.part_number if offer.ownership == 1 else None,
                mkt_id=offer.id + 3_000_000,
                warehouse_id=int(offer.stock[0]["warehouse_id"]) if offer.stock else 1,
            )
        )
    cust = customer or random_customer(rng, platform, store.next_customer_id())
    details: dict[str, Any] = {
        "locker_id": None,
        "locker_name": None,
        "locker_delivery_eligible": 1,
        "courier_external_office_id": None,
    }
    if delivery_mode == "pickup":
        details["locker_id"] = locker_id or "d741ca80-f65c-406b-84e0-efc94ed2b57b"
        details["locker_name"] = "easybox Sandbox"
    order = Order(
        id=store.next_order_id(),
        type=order_type,
        status=1,
        created=now,
        modified=now,
        payment_mode_id=payment_mode_id,
        delivery_mode=delivery_mode,
        customer=cust,
        products=order_lines,
        shipping_tax=shipping_tax if shipping_tax is not None else Decimal("19.99"),
        currency=platform.info.currency,
        details=details,
        payment_status=1 if payment_mode_id == 3 else 0,
        enforced_vendor_courier_accounts=enforced_courier_accounts,
        maximum_date_for_shipment=now + timedelta(days=1),
        status_changed_at=now,
    )
    order.status_history.append(HistoryEntry(now, "placed", {"from": None, "to": 1}))
    account.orders[order.id] = order
    if order_type == 3:
        if store.settings.stock_decrement_on == "placement":
            take_stock(store, account, order, f"order {order.id} placed", now)
        else:
            order.reserved = True
        schedule_new_order_callback(store, account, order)
    return order


def order_gross_total(order: Order) -> Decimal:
    total = Decimal(0)
    for line in order.products:
        if line.status == 1:
            total += line.sale_price * line.quantity * (1 + line.vat)
    return (total + order.shipping_tax).quantize(Decimal("0.01"))


def cancel_order(
    store: Store, account: Account, order: Order, reason: int, source: str, *, notify: bool
) -> None:
    now = utcnow().replace(microsecond=0)
    order.reason_cancellation = {"id": reason, "name": CANCELLATION_REASONS.get(reason, "")}
    set_status(order, 0, source, now)
    order.reserved = False
    if store.settings.restore_stock_on_cancel:
        give_back_stock(store, account, order, f"order {order.id} cancelled", now)
    order.next_callback_at = None
    if notify:
        schedule_cancellation_callback(store, account, order)


def acknowledge(store: Store, account: Account, order: Order) -> None:
    now = utcnow().replace(microsecond=0)
    set_status(order, 2, "acknowledge", now)
    order.next_callback_at = None
    if order.reserved:
        order.reserved = False
        take_stock(store, account, order, f"order {order.id} acknowledged", now)


def transition_error(
    store: Store, order: Order, new: int, now: datetime, *, via_ack: bool = False
) -> str | None:
    """eMAG's status matrix (emag-api.md §4.3); None if the change is allowed."""
    old = order.status
    if old == new:
        return None
    window = timedelta(hours=store.settings.finalized_change_window_hours)
    since = now - (order.status_changed_at or order.modified)
    allowed = False
    if old == 1:
        allowed = new == 2 and via_ack
    elif old == 2:
        allowed = new in (3, 4, 0)
    elif old == 3:
        allowed = new in (4, 0)
    elif old == 4:
        final = order.finalization_date or order.status_changed_at or order.modified
        if new in (3, 0):
            allowed = now - final <= window
        elif new == 5:
            allowed = now - final <= timedelta(days=store.settings.return_window_days + 5)
    elif old == 0:
        allowed = new in (2, 3, 4) and since <= window
    if allowed:
        return None
    if old == 1 and new == 2:
        return f"Order {order.id}: status 1 can only be changed to 2 by acknowledging the order."
    return f"Order {order.id}: the status cannot be changed from {old} to {new}."


def render_order(store: Store, account: Account, order: Order) -> dict[str, Any]:
    platform: Platform = store.platform(account.platform)
    tz = platform.info.tz
    gross = order_gross_total(order)
    products: list[dict[str, Any]] = [
        {
            "id": line.id,
            "product_id": str(line.product_id),
            "mkt_id": line.mkt_id,
            "name": line.name,
            "part_number": line.part_number,
            "ext_part_number": line.ext_part_number,
            "part_number_key": line.part_number_key,
            "status": line.status,
            "quantity": line.quantity,
            "initial_qty": line.initial_qty,
            "storno_qty": line.storno_qty,
            "sale_price": money(line.sale_price),
            "original_price": money(line.original_price),
            "currency": line.currency,
            "vat": money(line.vat),
            "product_voucher_split": [],
            "recycle_warranties": [],
            "serial_numbers": None,
            "retained_amount": 0,
            "reversible_vat_charging": 0,
            "details": [],
            "attachments": [],
            "created": fmt_dt(line.created, tz),
            "modified": fmt_dt(line.modified, tz),
        }
        for line in order.products
    ]
    customer = dict(order.customer)
    customer.setdefault("created", fmt_dt(order.created, tz))
    customer.setdefault("modified", fmt_dt(order.created, tz))
    attachments = [
        {
            "name": a.name,
            "url": a.url,
            "type": a.type,
            "visibility": a.visibility,
            "force_download": a.force_download,
        }
        for a in account.attachments
        if a.order_id == order.id
    ]
    return {
        "id": order.id,
        "vendor_name": account.vendor_name,
        "type": order.type,
        "parent_id": None,
        "date": fmt_dt(order.created, tz),
        "created": fmt_dt(order.created, tz),
        "modified": fmt_dt(order.modified, tz),
        "payment_mode": PAYMENT_MODES.get(order.payment_mode_id, ""),
        "detailed_payment_method": "",
        "delivery_mode": order.delivery_mode,
        "delivery_payment_mode": "",
        "observation": order.observation,
        "details": dict(order.details),
        "status": order.status,
        "payment_status": order.payment_status,
        "customer": customer,
        "products": products,
        "shipping_tax": money(order.shipping_tax),
        "shipping_tax_voucher_split": [],
        "vouchers": [],
        "proforms": [],
        "attachments": attachments,
        "cashed_co": money(gross if order.payment_mode_id == 3 else Decimal(0)),
        "cashed_cod": money(Decimal(0)),
        "cancellation_request": order.cancellation_request,
        "has_editable_products": 1 if order.status in (2, 3) else 0,
        "refunded_amount": "0.0000",
        "is_complete": order.is_complete,
        "refund_status": None,
        "maximum_date_for_shipment": fmt_dt(order.maximum_date_for_shipment, tz),
        "late_shipment": 0,
        "flags": [],
        "emag_club": order.emag_club,
        "finalization_date": fmt_dt(order.finalization_date, tz),
        "enforced_vendor_courier_accounts": order.enforced_vendor_courier_accounts,
        "weekend_delivery": order.weekend_delivery,
        "payment_mode_id": order.payment_mode_id,
        "is_storno": order.is_storno,
        "reason_cancellation": dict(order.reason_cancellation)
        if order.reason_cancellation
        else None,
    }


def render_awb(store: Store, account: Account, awb: Awb) -> dict[str, Any]:
    tz = store.platform(account.platform).info.tz
    return {
        "emag_id": awb.emag_id,
        "reservation_id": awb.reservation_id,
        "order_id": awb.order_id,
        "rma_id": awb.rma_id,
        "type": awb.order_type,
        "weight": str(awb.weight),
        "awb_type": None,
        "awb": [
            {
                "emag_id": awb.emag_id,
                "awb_number": awb.awb_number,
                "awb_barcode": awb.awb_barcode,
            }
        ],
        "status": {
            "code": awb.status_code,
            "name": awb.status_name,
            "description": awb.status_description,
        },
        "courier": {
            "courier_account_id": awb.courier_account_id,
            "courier_name": awb.courier_name,
            "courier_id": awb.courier_id,
        },
        "cash_on_delivery": money(awb.cod, Decimal("0.01")),
        "parcel_number": awb.parcel_number,
        "envelope_number": awb.envelope_number,
        "locker_id": awb.locker_id,
        "created": fmt_dt(awb.created, tz),
    }
