"""Order routes: order/read|count|save, order/acknowledge/{id}, order/{id}/unlock-courier,
order/attachments/save (with the PDF download)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi.responses import Response

from emag_sandbox.context import Ctx, count_result, int_filter, paginate
from emag_sandbox.domain import (
    acknowledge,
    adjust_stock,
    cancel_order,
    render_order,
    set_status,
    take_stock,
    transition_error,
)
from emag_sandbox.encoding import envelope, error
from emag_sandbox.settings import SandboxSettings
from emag_sandbox.state import Attachment, Order, OrderLine
from emag_sandbox.util import parse_dt, to_decimal, to_int, utcnow

ATTACHMENT_TYPES = {1, 3, 4, 8, 10, 11}
MAX_SPAN = timedelta(days=31)


# --- read / count -----------------------------------------------------------------------------


def _date_window(
    filters: dict[str, Any], tz: str, prefix: str, *, both_required: bool
) -> tuple[datetime | None, datetime | None, str | None]:
    after_raw = filters.get(f"{prefix}After")
    before_raw = filters.get(f"{prefix}Before")
    after = parse_dt(after_raw, tz) if after_raw not in (None, "") else None
    before = parse_dt(before_raw, tz) if before_raw not in (None, "") else None
    if after_raw not in (None, "") and after is None:
        return None, None, f"Invalid {prefix}After: expected YYYY-MM-DD HH:MM:SS."
    if before_raw not in (None, "") and before is None:
        return None, None, f"Invalid {prefix}Before: expected YYYY-MM-DD HH:MM:SS."
    if before is not None and after is None:
        return None, None, f"{prefix}Before requires {prefix}After."
    if both_required and after is not None and before is None:
        return None, None, f"{prefix}After and {prefix}Before must be sent together."
    if after is not None and before is not None:
        if before < after:
            return None, None, f"{prefix}Before must be after {prefix}After."
        if before - after > MAX_SPAN:
            return (
                None,
                None,
                f"The {prefix}After - {prefix}Before interval may be at most 1 month.",
            )
    return after, before, None


def _matching_orders(ctx: Ctx, filters: dict[str, Any], *, count: bool) -> list[Order] | str:
    tz = ctx.store.platform(ctx.account.platform).info.tz
    orders = sorted(ctx.account.orders.values(), key=lambda o: o.id, reverse=True)
    order_type = to_int(filters.get("type"))
    orders = [o for o in orders if o.type == (order_type if order_type is not None else 3)]
    ids = int_filter(filters.get("id"))
    if ids is not None:
        orders = [o for o in orders if o.id in ids]
    for key in ("status", "payment_mode_id", "is_complete"):
        wanted = int_filter(filters.get(key))
        if wanted is not None:
            attr = key
            orders = [o for o in orders if getattr(o, attr) in wanted]
    for prefix, attr in (("created", "created"), ("modified", "modified")):
        after, before, problem = _date_window(filters, tz, prefix, both_required=count)
        if problem:
            return problem
        if after is not None:
            orders = [o for o in orders if getattr(o, attr) >= after]
        if before is not None:
            orders = [o for o in orders if getattr(o, attr) <= before]
    return orders


async def order_read(ctx: Ctx) -> Response:
    filters = ctx.filters()
    page = to_int(filters.get("currentPage"))
    if page is not None and page > 65535:
        return error("currentPage must be between 1 and 65535.")
    orders = _matching_orders(ctx, filters, count=False)
    if isinstance(orders, str):
        return error(orders)
    selected = paginate(orders, filters, ctx.settings)
    return envelope([render_order(ctx.store, ctx.account, o) for o in selected])


async def order_count(ctx: Ctx) -> Response:
    filters = ctx.filters()
    orders = _matching_orders(ctx, filters, count=True)
    if isinstance(orders, str):
        return error(orders)
    return envelope(count_result(len(orders), filters, ctx.settings))


# --- acknowledge / unlock-courier -------------------------------------------------------------


async def order_acknowledge(ctx: Ctx) -> Response:
    status = ctx.settings.ack_error_status
    oid = to_int(ctx.params.get("id"))
    order = ctx.account.orders.get(oid) if oid is not None else None
    if order is None:
        return error(f"ERROR: Order {ctx.params.get('id')} was not found.", status=status)
    if order.type != 3:
        return error(
            "ERROR: Only orders fulfilled by the seller can be acknowledged.", status=status
        )
    async with ctx.store.lock:
        if order.status != 1:
            return error("ERROR: Order is already in progress.", status=status)
        acknowledge(ctx.store, ctx.account, order)
    return envelope([])


async def order_unlock_courier(ctx: Ctx) -> Response:
    oid = to_int(ctx.params.get("id"))
    order = ctx.account.orders.get(oid) if oid is not None else None
    if order is None:
        return error(f"Order {ctx.params.get('id')} was not found.")
    order.enforced_vendor_courier_accounts = None
    order.modified = utcnow().replace(microsecond=0)
    return envelope([])


# --- order/save -------------------------------------------------------------------------------


def _reason_id(value: Any) -> int | None:
    if isinstance(value, dict):
        return to_int(value.get("id"))
    return to_int(value)


def _line_plan(
    order: Order, incoming: list[Any]
) -> tuple[list[str], list[tuple[OrderLine, int]], list[OrderLine], list[dict[str, Any]]]:
    """(errors, quantity changes, removals, additions) between the stored and the sent lines."""
    errors: list[str] = []
    changes: list[tuple[OrderLine, int]] = []
    removals: list[OrderLine] = []
    additions: list[dict[str, Any]] = []
    by_id = {line.id: line for line in order.products}
    seen: set[int] = set()
    for raw in incoming:
        if not isinstance(raw, dict):
            errors.append(f"Order {order.id}: every product must be an object.")
            continue
        line_id = to_int(raw.get("id"))
        if line_id is None:
            missing = [
                k
                for k in ("product_id", "name", "status", "sale_price", "quantity")
                if k not in raw
            ]
            if missing:
                errors.append(
                    f"Order {order.id}: a new product line needs " + ", ".join(missing) + "."
                )
            elif (to_int(raw.get("quantity")) or 0) <= 0 or to_int(raw.get("product_id")) is None:
                errors.append(f"Order {order.id}: invalid new product line.")
            else:
                additions.append(raw)
            continue
        line = by_id.get(line_id)
        if line is None:
            errors.append(f"Order {order.id}: order product {line_id} does not exist.")
            continue
        seen.add(line_id)
        if "product_id" in raw and to_int(raw["product_id"]) != line.product_id:
            errors.append(f"Order {order.id}: product_id of line {line_id} cannot be changed.")
        if "sale_price" in raw:
            price = to_decimal(raw["sale_price"])
            if price is None or price.quantize(Decimal("0.0001")) != line.sale_price.quantize(
                Decimal("0.0001")
            ):
                errors.append(f"Order {order.id}: price changes are not allowed (line {line_id}).")
        quantity = to_int(raw.get("quantity", line.quantity))
        if quantity is None or quantity < 0:
            errors.append(f"Order {order.id}: negative or invalid quantity on line {line_id}.")
            continue
        line_status = to_int(raw.get("status", line.status))
        if line.status == 1 and (line_status == 0 or quantity == 0):
            removals.append(line)
        elif line.status == 1 and quantity != line.quantity:
            changes.append((line, quantity))
    for line in order.products:
        if line.status == 1 and line.id not in seen:
            removals.append(line)
    return errors, changes, removals, additions


def _save_one_order(ctx: Ctx, item: dict[str, Any]) -> list[str]:
    account, store = ctx.account, ctx.store
    now = utcnow().replace(microsecond=0)
    oid = to_int(item.get("id"))
    order = account.orders.get(oid) if oid is not None else None
    if order is None:
        return [f"Order {item.get('id')} was not found."]
    if "type" not in item:
        return [f"Order {order.id}: the type field is mandatory."]
    if to_int(item.get("type")) != order.type:
        return [f"Order {order.id}: type {item.get('type')} does not match the order."]
    if order.type == 2:
        return [f"Order {order.id}: orders fulfilled by eMAG accept only attachments."]
    new_status = to_int(item.get("status", order.status))
    if new_status is None:
        return [f"Order {order.id}: invalid status."]
    old = order.status
    errors: list[str] = []
    problem = transition_error(store, order, new_status, now)
    if problem:
        errors.append(problem)
    is_storno = bool(item.get("is_storno"))
    line_errors: list[str] = []
    changes: list[tuple[OrderLine, int]] = []
    removals: list[OrderLine] = []
    additions: list[dict[str, Any]] = []
    if isinstance(item.get("products"), list):
        line_errors, changes, removals, additions = _line_plan(order, item["products"])
    errors.extend(line_errors)
    touched = bool(changes or removals or additions)
    if is_storno and old != 4:
        errors.append(f"Order {order.id}: is_storno is allowed only on finalized orders (4).")
    elif old == 4 and touched:
        if not is_storno:
            errors.append(f"Order {order.id}: a finalized order can only change with is_storno.")
        if additions or any(q > line.quantity for line, q in changes):
            errors.append(f"Order {order.id}: a storno may only reduce quantities.")
    elif old == 4 and is_storno and not touched and not order.is_storno:
        errors.append(f"Order {order.id}: is_storno requires at least one returned product.")
    elif touched and old not in (2, 3):
        errors.append(f"Order {order.id}: products can be modified only in status 2 or 3.")
    elif (
        touched
        and order.payment_mode_id == 3
        and (removals or any(q < line.quantity for line, q in changes))
    ):
        errors.append(
            f"Order {order.id}: quantity reduction and line removal are not allowed for "
            "card online orders."
        )
    if errors:
        return errors

    source = f"order/save {order.id}"
    platform = store.platform(account.platform)
    vat_rates = {vat_id: Decimal(rate) for vat_id, rate, _ in platform.info.vat_rates}
    for line, quantity in changes:
        delta = quantity - line.quantity
        if old == 4:
            line.storno_qty += -delta
        elif order.stock_taken and line.product_id in account.offers:
            adjust_stock(account.offers[line.product_id], -delta, line.warehouse_id, source, now)
        line.quantity = quantity
        line.modified = now
    for line in removals:
        if old == 4:
            line.storno_qty += line.quantity
            line.quantity = 0
        elif order.stock_taken and line.product_id in account.offers:
            adjust_stock(
                account.offers[line.product_id], line.quantity, line.warehouse_id, source, now
            )
        line.status = 0
        line.modified = now
    for raw in additions:
        product_id = to_int(raw["product_id"]) or 0
        quantity = to_int(raw["quantity"]) or 0
        price = to_decimal(raw["sale_price"]) or Decimal(0)
        offer = account.offers.get(product_id)
        line = OrderLine(
            id=store.next_line_id(),
            product_id=product_id,
            name=str(raw.get("name")),
            quantity=quantity,
            initial_qty=quantity,
            sale_price=price,
            original_price=price,
            vat=vat_rates.get(offer.vat_id if offer else 1, Decimal("0.21")),
            currency=order.currency,
            created=now,
            modified=now,
            part_number_key=offer.part_number_key if offer else None,
            part_number=offer.part_number if offer else None,
            status=to_int(raw.get("status")) or 1,
        )
        order.products.append(line)
        if order.stock_taken and offer is not None and line.status == 1:
            adjust_stock(offer, -quantity, line.warehouse_id, source, now)
    if old == 4 and touched:
        order.is_storno = True
    if new_status != old:
        if new_status == 0:
            reason = _reason_id(item.get("reason_cancellation")) or 34
            cancel_order(
                store,
                account,
                order,
                reason,
                source,
                notify=ctx.settings.cancellation_callback_on_seller_cancel,
            )
        else:
            if old == 0:
                take_stock(store, account, order, f"order {order.id} reactivated", now)
                order.reason_cancellation = None
            if new_status == 4:
                order.finalization_date = now
            set_status(order, new_status, source, now)
    if touched:
        order.modified = now
    return []


async def order_save(ctx: Ctx) -> Response:
    items = ctx.items()
    messages: list[str] = []
    async with ctx.store.lock:
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                messages.append(f"Item {index}: expected an order object.")
                continue
            messages.extend(_save_one_order(ctx, item))
    if messages:
        return error(*messages)
    return envelope([])


# --- order/attachments/save -------------------------------------------------------------------


async def download_attachment(
    attachment: Attachment, http: httpx.AsyncClient, settings: SandboxSettings
) -> None:
    """Fetch the document like eMAG does and record what came back."""
    attachment.download_status = "pending"
    try:
        async with http.stream(
            "GET", attachment.url, timeout=settings.attachment_timeout_seconds
        ) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > settings.attachment_max_bytes:
                    raise ValueError(f"larger than {settings.attachment_max_bytes} bytes")
                chunks.append(chunk)
            data = b"".join(chunks)
            attachment.http_status = response.status_code
            attachment.content_type = response.headers.get("content-type")
    except (httpx.HTTPError, ValueError) as exc:
        attachment.download_status = "failed"
        attachment.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attachment.downloaded_at = utcnow()
        return
    attachment.size = len(data)
    attachment.sha256 = hashlib.sha256(data).hexdigest()
    attachment.downloaded_at = utcnow()
    if attachment.http_status != 200:
        attachment.download_status = "failed"
        attachment.error = f"HTTP {attachment.http_status}"
    elif not data.startswith(b"%PDF"):
        attachment.download_status = "failed"
        attachment.error = "the document is not a PDF"
    else:
        attachment.download_status = "downloaded"
        attachment.error = None


def _validate_attachment(ctx: Ctx, raw: dict[str, Any], index: int) -> tuple[str | None, Any]:
    account = ctx.account
    label = f"Attachment {index}"
    url = raw.get("url")
    if not isinstance(url, str) or not 1 <= len(url) <= 1024:
        return f"{label}: the url field is mandatory (1-1024 characters).", None
    if not url.lower().startswith(("http://", "https://")):
        return f"{label}: the url must be a public http(s) URL.", None
    if "order_type" not in raw:
        return f"{label}: the order_type field is mandatory.", None
    order_type = to_int(raw.get("order_type"))
    if order_type not in (2, 3):
        return f"{label}: order_type must be 2 or 3.", None
    att_type = to_int(raw.get("type", 1))
    if att_type not in ATTACHMENT_TYPES:
        return f"{label}: type must be one of 1, 3, 4, 8, 10, 11.", None
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 60):
        return f"{label}: name must have 1-60 characters.", None
    order: Order | None = None
    oid = to_int(raw.get("order_id"))
    line_id = to_int(raw.get("order_product_id"))
    if oid is not None:
        order = account.orders.get(oid)
    elif line_id is not None:
        order = next(
            (o for o in account.orders.values() if any(p.id == line_id for p in o.products)), None
        )
    if order is None:
        return f"{label}: order {raw.get('order_id')} was not found.", None
    if order.type != order_type:
        return f"{label}: order_type {order_type} does not match order {order.id}.", None
    if att_type == 3:
        if line_id is None:
            return f"{label}: order_product_id is mandatory for warranties.", None
        if not any(p.id == line_id for p in order.products):
            return f"{label}: order product {line_id} is not part of order {order.id}.", None
    return None, (order, order_type, att_type, name, url, line_id)


async def order_attachments_save(ctx: Ctx) -> Response:
    items = ctx.items()
    messages: list[str] = []
    to_fetch: list[Attachment] = []
    async with ctx.store.lock:
        for index, raw in enumerate(items):
            if not isinstance(raw, dict):
                messages.append(f"Attachment {index}: expected an object.")
                continue
            if ctx.item_fails(raw.get("order_id")):
                messages.append(f"Attachment {index}: {ctx.faults.item_error_message}")
                continue
            problem, parsed = _validate_attachment(ctx, raw, index)
            if problem:
                messages.append(problem)
                continue
            order, order_type, att_type, name, url, line_id = parsed
            force = 1 if to_int(raw.get("force_download")) == 1 else 0
            existing = next(
                (
                    a
                    for a in ctx.account.attachments
                    if a.order_id == order.id
                    and a.type == att_type
                    and (a.url == url or (att_type == 3 and a.order_product_id == line_id))
                ),
                None,
            )
            if existing is not None and existing.url == url and not force:
                existing.name = name or existing.name
                continue  # same URL: eMAG does not fetch it again
            if existing is not None:
                ctx.account.attachments.remove(existing)
            attachment = Attachment(
                id=ctx.store.next_attachment_id(),
                order_id=order.id,
                order_type=order_type,
                order_product_id=line_id,
                name=name,
                url=url,
                type=att_type,
                force_download=force,
                created=utcnow(),
            )
            ctx.account.attachments.append(attachment)
            order.modified = utcnow().replace(microsecond=0)
            to_fetch.append(attachment)
    for attachment in to_fetch:
        job = download_attachment(attachment, ctx.http, ctx.settings)
        if ctx.settings.attachment_download_inline:
            await job
        else:
            ctx.spawn(job)
    if messages:
        return error(*messages)
    return envelope([])
