"""`/sandbox/...`: the admin API (accounts, seeding, orders, faults, inspection)."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from pydantic import BaseModel, Field

from emag_sandbox.domain import (
    LineRequest,
    cancel_order,
    estimated_stock,
    is_live,
    place_order,
    record_stock,
    refresh_validation,
    render_awb,
    render_offer,
    render_order,
    schedule_new_order_callback,
)
from emag_sandbox.faults import Fault, FaultSpec
from emag_sandbox.runtime import Sandbox
from emag_sandbox.seed import seed_account, seed_account_reference, seed_platform
from emag_sandbox.state import Account, HistoryEntry, Order, Store
from emag_sandbox.util import utcnow

Platform = Literal["RO", "BG", "HU"]


class AccountCreate(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)
    platform: Platform = "RO"
    vendor_name: str = "Taraba Demo SRL"
    seller_id: int | None = None
    ip_failure: bool = False
    api_allowed: bool = True
    stock_api_allowed: bool = True
    new_order_callback_url: str | None = None
    cancellation_callback_url: str | None = None
    seed: bool = Field(default=False, description="seed the demo catalogue right away")
    seed_value: int = 42
    offers: int = Field(default=300, ge=0, le=20000)
    orders: int = Field(default=0, ge=0, le=1000)


class AccountUpdate(BaseModel):
    password: str | None = None
    vendor_name: str | None = None
    ip_failure: bool | None = None
    api_allowed: bool | None = None
    stock_api_allowed: bool | None = None
    new_order_callback_url: str | None = None
    cancellation_callback_url: str | None = None


class CallbackConfig(BaseModel):
    new_order_url: str | None = None
    cancellation_url: str | None = None


class SeedRequest(BaseModel):
    seed: int = 42
    offers: int = Field(default=300, ge=0, le=20000)
    orders: int = Field(default=0, ge=0, le=1000)


class OfferPatch(BaseModel):
    validation_status: int | None = Field(default=None, ge=0, le=17)
    validation_errors: list[str] | None = None
    offer_validation_status: Literal[1, 2] | None = None
    campaign_lock: str | None = Field(default=None, description='e.g. "BF"; "" clears it')
    status: Literal[0, 1, 2] | None = None
    stock: int | None = Field(default=None, ge=0, le=65535, description="warehouse 1")
    number_of_offers: int | None = None
    buy_button_rank: int | None = None
    best_offer_sale_price: Decimal | None = None


class OrderLineIn(BaseModel):
    product_id: int
    quantity: int = Field(default=1, ge=1, le=999)
    sale_price: Decimal | None = None


class PlaceOrders(BaseModel):
    lines: list[OrderLineIn] | None = Field(
        default=None, description="given lines (one order); omit for random orders"
    )
    count: int = Field(default=1, ge=1, le=1000, description="random orders to place")
    payment_mode_id: Literal[1, 2, 3] = 1
    delivery_mode: Literal["courier", "pickup"] = "courier"
    type: Literal[2, 3] = 3
    customer: dict[str, Any] | None = None
    shipping_tax: Decimal | None = None
    locker_id: str | None = None
    enforced_vendor_courier_accounts: list[int] | None = None
    force: bool = Field(default=False, description="allow lines beyond stock (oversell)")
    seed: int | None = None


class CancelRequest(BaseModel):
    reason: int = Field(default=2, description="reason_cancellation id (2 = by the customer)")


class AwbStatus(BaseModel):
    code: str
    name: str
    description: str = ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, HistoryEntry):
        return {"at": value.at.isoformat(), "source": value.source, "value": _jsonable(value.value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def random_orders(store: Store, account: Account, request: PlaceOrders) -> list[Order]:
    """Random orders of 1-3 live offers each (deterministic per account and seed)."""
    seed = request.seed if request.seed is not None else len(account.orders)
    rng = random.Random(f"orders-{account.username}-{seed}")
    placed: list[Order] = []
    for _ in range(request.count):
        live = [o for o in account.offers.values() if is_live(o)]
        if not live:
            break
        picks = rng.sample(live, k=min(len(live), rng.choice((1, 1, 1, 2, 2, 3))))
        lines = [LineRequest(o.id, min(o.general_stock, rng.choice((1, 1, 1, 2)))) for o in picks]
        placed.append(
            place_order(
                store,
                account,
                lines,
                rng=rng,
                payment_mode_id=rng.choice((1, 1, 1, 3, 2))
                if request.payment_mode_id == 1 and request.seed is None
                else request.payment_mode_id,
                delivery_mode=request.delivery_mode,
                order_type=request.type,
                customer=request.customer,
                shipping_tax=request.shipping_tax,
                locker_id=request.locker_id,
                enforced_courier_accounts=request.enforced_vendor_courier_accounts,
            )
        )
    return placed


def build_admin_router(sandbox: Sandbox) -> APIRouter:
    settings = sandbox.settings

    async def check_token(x_sandbox_token: str | None = Header(default=None)) -> None:
        if settings.admin_token and x_sandbox_token != settings.admin_token:
            raise HTTPException(status_code=401, detail="X-Sandbox-Token missing or wrong")

    router = APIRouter(prefix="/sandbox", tags=["sandbox"], dependencies=[Depends(check_token)])
    store = sandbox.store

    def get_account(username: str) -> Account:
        account = store.accounts.get(username)
        if account is None:
            raise HTTPException(status_code=404, detail=f"account {username!r} not found")
        return account

    def account_view(account: Account) -> dict[str, Any]:
        orders = account.orders.values()
        return {
            "username": account.username,
            "platform": account.platform,
            "vendor_name": account.vendor_name,
            "seller_id": account.seller_id,
            "ip_failure": account.ip_failure,
            "api_allowed": account.api_allowed,
            "stock_api_allowed": account.stock_api_allowed,
            "new_order_callback_url": account.new_order_callback_url,
            "cancellation_callback_url": account.cancellation_callback_url,
            "offers": len(account.offers),
            "orders": len(account.orders),
            "orders_by_status": {
                str(s): sum(1 for o in orders if o.status == s) for s in (0, 1, 2, 3, 4, 5)
            },
            "awbs": len(account.awbs),
            "attachments": len(account.attachments),
            "created": account.created.isoformat(),
        }

    def offer_view(account: Account, offer_id: int) -> dict[str, Any]:
        offer = account.offers.get(offer_id)
        if offer is None:
            raise HTTPException(status_code=404, detail=f"offer {offer_id} not found")
        refresh_validation(store, account, offer, utcnow())
        view = render_offer(store, account, offer, single=True)
        view["live"] = is_live(offer)
        view["campaign_lock"] = offer.campaign_lock
        view["validation_due_at"] = _jsonable(offer.validation_due_at)
        view["price_history"] = _jsonable(offer.price_history)
        view["stock_history"] = _jsonable(offer.stock_history)
        return view

    def order_view(account: Account, order: Order) -> dict[str, Any]:
        view = render_order(store, account, order)
        view["sandbox"] = {
            "status_history": _jsonable(order.status_history),
            "callback_attempts": _jsonable(order.callback_attempts),
            "new_order_callbacks_sent": order.new_order_callbacks_sent,
            "cancellation_callbacks_sent": order.cancellation_callbacks_sent,
            "next_callback_at": _jsonable(order.next_callback_at),
            "stock_taken": order.stock_taken,
            "reserved": order.reserved,
        }
        return view

    # --- general -------------------------------------------------------------------------------

    @router.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "accounts": len(store.accounts)}

    @router.get("/settings")
    async def show_settings() -> dict[str, Any]:
        values = settings.model_dump()
        values["admin_token"] = "***" if settings.admin_token else None
        values["demo_password"] = "***"
        return values

    @router.post("/reset")
    async def reset() -> dict[str, str]:
        async with store.lock:
            store.accounts.clear()
            store.platforms.clear()
            store.request_log.clear()
            store.callback_log.clear()
            sandbox.faults.clear()
            sandbox.limiter.reset()
        return {"status": "reset"}

    @router.post("/rate-limits/reset")
    async def reset_rate_limits() -> dict[str, str]:
        sandbox.limiter.reset()
        return {"status": "reset"}

    # --- accounts ------------------------------------------------------------------------------

    @router.post("/accounts", status_code=201)
    async def create_account(body: AccountCreate) -> dict[str, Any]:
        async with store.lock:
            if body.username in store.accounts:
                raise HTTPException(status_code=409, detail="account exists")
            account = Account(
                username=body.username,
                password=body.password,
                platform=body.platform,
                vendor_name=body.vendor_name,
                seller_id=body.seller_id or store.next_seller_id(),
                created=utcnow(),
                ip_failure=body.ip_failure,
                api_allowed=body.api_allowed,
                stock_api_allowed=body.stock_api_allowed,
                new_order_callback_url=body.new_order_callback_url,
                cancellation_callback_url=body.cancellation_callback_url,
            )
            store.accounts[account.username] = account
            seed_platform(store.platform(account.platform))
            seed_account_reference(store, account)
            if body.seed:
                seed_account(store, account, body.seed_value, body.offers)
                if body.orders:
                    random_orders(store, account, PlaceOrders(count=body.orders))
        return account_view(account)

    @router.get("/accounts")
    async def list_accounts() -> list[dict[str, Any]]:
        return [account_view(a) for a in store.accounts.values()]

    @router.get("/accounts/{username}")
    async def show_account(username: str) -> dict[str, Any]:
        return account_view(get_account(username))

    @router.patch("/accounts/{username}")
    async def update_account(username: str, body: AccountUpdate) -> dict[str, Any]:
        account = get_account(username)
        for key, value in body.model_dump(exclude_unset=True).items():
            setattr(account, key, (value or None) if key.endswith("_url") else value)
        if body.new_order_callback_url:
            for order in account.orders.values():
                if order.status == 1 and order.next_callback_at is None:
                    schedule_new_order_callback(store, account, order)
        return account_view(account)

    @router.delete("/accounts/{username}", status_code=204)
    async def delete_account(username: str) -> None:
        get_account(username)
        store.accounts.pop(username, None)

    @router.post("/accounts/{username}/seed")
    async def seed(username: str, body: SeedRequest) -> dict[str, Any]:
        account = get_account(username)
        async with store.lock:
            created = seed_account(store, account, body.seed, body.offers)
            orders = (
                random_orders(store, account, PlaceOrders(count=body.orders)) if body.orders else []
            )
        return {"offers_created": created, "orders_placed": [o.id for o in orders]} | {
            "account": account_view(account)
        }

    @router.put("/accounts/{username}/callbacks")
    async def configure_callbacks(username: str, body: CallbackConfig) -> dict[str, Any]:
        account = get_account(username)
        account.new_order_callback_url = body.new_order_url or None
        account.cancellation_callback_url = body.cancellation_url or None
        for order in account.orders.values():
            if order.status == 1 and order.next_callback_at is None:
                schedule_new_order_callback(store, account, order)
        return account_view(account)

    # --- offers --------------------------------------------------------------------------------

    @router.get("/accounts/{username}/offers")
    async def list_offers(
        username: str,
        offset: int = Query(default=0, ge=0),
        limit: int = Query(default=100, ge=1, le=1000),
        live: bool | None = None,
    ) -> dict[str, Any]:
        account = get_account(username)
        now = utcnow()
        offers = sorted(account.offers.values(), key=lambda o: o.id)
        for offer in offers:
            refresh_validation(store, account, offer, now)
        if live is not None:
            offers = [o for o in offers if is_live(o) == live]
        items = [
            {
                "id": o.id,
                "name": o.name,
                "part_number": o.part_number,
                "part_number_key": o.part_number_key,
                "ean": o.ean,
                "status": o.status,
                "live": is_live(o),
                "validation_status": o.validation_status,
                "sale_price": str(o.sale_price),
                "min_sale_price": str(o.min_sale_price) if o.min_sale_price else None,
                "max_sale_price": str(o.max_sale_price) if o.max_sale_price else None,
                "stock": o.stock,
                "general_stock": o.general_stock,
                "estimated_stock": estimated_stock(account, o),
                "price_changes": len(o.price_history),
                "stock_changes": len(o.stock_history),
            }
            for o in offers[offset : offset + limit]
        ]
        return {"total": len(offers), "items": items}

    @router.get("/accounts/{username}/offers/{offer_id}")
    async def show_offer(username: str, offer_id: int) -> dict[str, Any]:
        return offer_view(get_account(username), offer_id)

    @router.patch("/accounts/{username}/offers/{offer_id}")
    async def patch_offer(username: str, offer_id: int, body: OfferPatch) -> dict[str, Any]:
        account = get_account(username)
        offer = account.offers.get(offer_id)
        if offer is None:
            raise HTTPException(status_code=404, detail=f"offer {offer_id} not found")
        changes = body.model_dump(exclude_unset=True)
        now = utcnow()
        if "validation_status" in changes:
            value = changes.pop("validation_status")
            if value == 9:
                offer.validation_due_at = now
                refresh_validation(store, account, offer, now)
            offer.validation_status = value
            offer.validation_due_at = None
        if "stock" in changes:
            offer.stock = [{"warehouse_id": 1, "value": changes.pop("stock")}]
            record_stock(offer, "sandbox admin", now)
        if "campaign_lock" in changes:
            offer.campaign_lock = changes.pop("campaign_lock") or None
        for key, value in changes.items():
            setattr(offer, key, value)
        offer.modified = now
        return offer_view(account, offer_id)

    # --- orders --------------------------------------------------------------------------------

    @router.post("/accounts/{username}/orders", status_code=201)
    async def create_orders(username: str, body: PlaceOrders) -> list[dict[str, Any]]:
        account = get_account(username)
        async with store.lock:
            if body.lines is None:
                placed = random_orders(store, account, body)
                if not placed:
                    raise HTTPException(status_code=409, detail="no live offer with stock")
            else:
                requests: list[LineRequest] = []
                for line in body.lines:
                    offer = account.offers.get(line.product_id)
                    if offer is None:
                        raise HTTPException(404, f"offer {line.product_id} not found")
                    if not body.force and not is_live(offer):
                        raise HTTPException(409, f"offer {offer.id} is not live on eMAG")
                    if not body.force and offer.general_stock < line.quantity:
                        raise HTTPException(
                            409, f"offer {offer.id} has stock {offer.general_stock}"
                        )
                    requests.append(LineRequest(line.product_id, line.quantity, line.sale_price))
                rng = random.Random(f"orders-{username}-{body.seed or len(account.orders)}")
                placed = [
                    place_order(
                        store,
                        account,
                        requests,
                        rng=rng,
                        payment_mode_id=body.payment_mode_id,
                        delivery_mode=body.delivery_mode,
                        order_type=body.type,
                        customer=body.customer,
                        shipping_tax=body.shipping_tax,
                        locker_id=body.locker_id,
                        enforced_courier_accounts=body.enforced_vendor_courier_accounts,
                    )
                ]
        return [order_view(account, o) for o in placed]

    @router.get("/accounts/{username}/orders")
    async def list_orders(
        username: str,
        status: int | None = None,
        offset: int = Query(default=0, ge=0),
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> dict[str, Any]:
        account = get_account(username)
        orders = sorted(account.orders.values(), key=lambda o: o.id, reverse=True)
        if status is not None:
            orders = [o for o in orders if o.status == status]
        return {
            "total": len(orders),
            "items": [order_view(account, o) for o in orders[offset : offset + limit]],
        }

    @router.get("/accounts/{username}/orders/{order_id}")
    async def show_order(username: str, order_id: int) -> dict[str, Any]:
        account = get_account(username)
        order = account.orders.get(order_id)
        if order is None:
            raise HTTPException(status_code=404, detail=f"order {order_id} not found")
        return order_view(account, order)

    @router.post("/accounts/{username}/orders/{order_id}/cancel")
    async def cancel(username: str, order_id: int, body: CancelRequest) -> dict[str, Any]:
        account = get_account(username)
        order = account.orders.get(order_id)
        if order is None:
            raise HTTPException(status_code=404, detail=f"order {order_id} not found")
        if order.status in (0, 5):
            raise HTTPException(status_code=409, detail=f"order is in status {order.status}")
        async with store.lock:
            cancel_order(store, account, order, body.reason, "sandbox cancel", notify=True)
        return order_view(account, order)

    @router.get("/accounts/{username}/attachments")
    async def list_attachments(username: str, order_id: int | None = None) -> list[Any]:
        account = get_account(username)
        return [
            _jsonable(a) for a in account.attachments if order_id is None or a.order_id == order_id
        ]

    @router.get("/accounts/{username}/awbs")
    async def list_awbs(username: str, order_id: int | None = None) -> list[dict[str, Any]]:
        account = get_account(username)
        return [
            render_awb(store, account, a) | {"sender": a.sender, "receiver": a.receiver}
            for a in account.awbs.values()
            if order_id is None or a.order_id == order_id
        ]

    @router.patch("/accounts/{username}/awbs/{emag_id}")
    async def set_awb_status(username: str, emag_id: int, body: AwbStatus) -> dict[str, Any]:
        account = get_account(username)
        awb = account.awbs.get(emag_id)
        if awb is None:
            raise HTTPException(status_code=404, detail=f"AWB {emag_id} not found")
        awb.status_code, awb.status_name, awb.status_description = (
            body.code,
            body.name,
            body.description,
        )
        return render_awb(store, account, awb)

    # --- logs ----------------------------------------------------------------------------------

    @router.get("/requests")
    async def list_requests(
        route: str | None = None,
        account: str | None = None,
        status: int | None = None,
        outcome: str | None = None,
        since_id: int = 0,
        limit: int = Query(default=100, ge=1, le=10000),
    ) -> dict[str, Any]:
        matches = [
            r
            for r in store.request_log
            if r.id > since_id
            and (route is None or r.route == route)
            and (account is None or r.account == account)
            and (status is None or r.status == status)
            and (outcome is None or r.outcome == outcome)
        ]
        return {"total": len(matches), "items": [_jsonable(r) for r in matches[-limit:]]}

    @router.delete("/requests", status_code=204)
    async def clear_requests() -> None:
        store.request_log.clear()

    @router.get("/callbacks")
    async def list_callbacks(
        account: str | None = None, order_id: int | None = None, kind: str | None = None
    ) -> list[Any]:
        return [
            _jsonable(c)
            for c in store.callback_log
            if (account is None or c.account == account)
            and (order_id is None or c.order_id == order_id)
            and (kind is None or c.kind == kind)
        ]

    # --- faults --------------------------------------------------------------------------------

    @router.post("/faults", status_code=201)
    async def add_fault(body: FaultSpec) -> Fault:
        return sandbox.faults.add(body)

    @router.get("/faults")
    async def list_faults() -> list[Fault]:
        return list(sandbox.faults.faults.values())

    @router.delete("/faults")
    async def clear_faults(route: str | None = None, account: str | None = None) -> dict[str, int]:
        return {"removed": sandbox.faults.clear(route, account)}

    @router.delete("/faults/{fault_id}", status_code=204)
    async def delete_fault(fault_id: int) -> None:
        if not sandbox.faults.remove(fault_id):
            raise HTTPException(status_code=404, detail="fault not found")

    return router
