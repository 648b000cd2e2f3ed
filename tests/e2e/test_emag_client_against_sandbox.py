"""The gateway's eMAG client against the eMAG sandbox, two independent readings of eMAG's
documentation meeting over real HTTP: a misunderstanding on either side fails here."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from emag_gateway.emag.client import EmagClient
from emag_gateway.emag.journal import MemoryRecorder
from emag_gateway.emag.ratelimit import LimiterRegistry
from taraba_testing.sandbox import running_sandbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running_sandbox() as url:
        yield url


@pytest.fixture
async def account(sandbox: str) -> AsyncIterator[dict[str, Any]]:
    """A fresh seller account (so its own rate-limit budget) with 300 demo offers."""
    username = f"seller-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=sandbox, timeout=30) as admin:
        response = await admin.post(
            "/sandbox/accounts",
            json={
                "username": username,
                "password": "pw-" + username,
                "platform": "RO",
                "vendor_name": "Test SRL",
                "seed": True,
                "seed_value": 7,
                "offers": 300,
            },
        )
        assert response.status_code == 201, response.text
        yield {
            "username": username,
            "password": "pw-" + username,
            "admin": admin,
            "api": f"{sandbox}/api-3",
        }


def client_for(account: dict[str, Any], recorder: MemoryRecorder) -> EmagClient:
    return EmagClient(
        account["api"],
        account["username"],
        account["password"],
        account_key=account["username"],
        recorder=recorder,
        limiters=LimiterRegistry(),
    )


async def rejected_429(account: dict[str, Any]) -> int:
    log = await account["admin"].get(
        "/sandbox/requests", params={"account": account["username"], "status": 429, "limit": 1000}
    )
    assert log.status_code == 200, log.text
    body = log.json()
    items = body["items"] if isinstance(body, dict) else body
    return len(items)


@pytest.mark.serial
async def test_200_calls_on_the_shared_bucket_get_no_429_within_10_percent_of_the_floor(
    account: dict[str, Any],
) -> None:
    recorder = MemoryRecorder()
    client = client_for(account, recorder)
    calls = 200
    started = time.monotonic()
    results = await asyncio.gather(*(client.read_vat_rates() for _ in range(calls)))
    elapsed = time.monotonic() - started
    floor = calls / 3.0  # eMAG: 3 requests/s for every route but orders
    print(
        f"\n{calls} calls in {elapsed:.1f} s = {calls / elapsed:.2f} req/s; "
        f"{elapsed / floor:.3f} x the rate-limit floor"
    )
    assert all(results)
    assert await rejected_429(account) == 0
    assert [r.outcome for r in recorder.records].count("rate_limited") == 0
    assert elapsed <= floor * 1.10


@pytest.mark.serial
async def test_the_order_bucket_is_separate_and_faster(account: dict[str, Any]) -> None:
    client = client_for(account, MemoryRecorder())
    started = time.monotonic()
    await asyncio.gather(*(client.count_orders() for _ in range(36)))
    elapsed = time.monotonic() - started
    assert elapsed <= 36 / 12.0 * 1.15
    assert await rejected_429(account) == 0


async def test_paginates_the_whole_catalogue(account: dict[str, Any]) -> None:
    client = client_for(account, MemoryRecorder())
    offers = [offer async for offer in client.iter_product_offers()]
    assert len(offers) == 300
    assert len({offer.id for offer in offers}) == 300


async def test_per_item_failures_of_offer_save_are_data(account: dict[str, Any]) -> None:
    client = client_for(account, MemoryRecorder())
    offers = [offer async for offer in client.iter_product_offers()][:3]
    bad = offers[1].id
    fault = await account["admin"].post(
        "/sandbox/faults",
        json={"route": "offer/save", "account": account["username"], "item_error_ids": [bad]},
    )
    assert fault.status_code == 201, fault.text
    payload = [
        {"id": o.id, "status": 1, "stock": [{"warehouse_id": 1, "value": 5}]} for o in offers
    ]
    result = await client.save_offers(payload)
    failed = {item.id for item in result.items if not item.ok}
    assert failed == {bad}
    await account["admin"].delete("/sandbox/faults", params={"account": account["username"]})


async def test_order_placed_on_emag_is_read_acknowledged_and_stock_decremented(
    account: dict[str, Any],
) -> None:
    client = client_for(account, MemoryRecorder())
    admin = account["admin"]
    offers = (
        await admin.get(
            f"/sandbox/accounts/{account['username']}/offers", params={"live": "true", "limit": 1}
        )
    ).json()
    offer = (offers["items"] if isinstance(offers, dict) else offers)[0]
    before = (
        await admin.get(f"/sandbox/accounts/{account['username']}/offers/{offer['id']}")
    ).json()
    placed = await admin.post(
        f"/sandbox/accounts/{account['username']}/orders",
        json={"lines": [{"product_id": offer["id"], "quantity": 2}]},
    )
    assert placed.status_code == 201, placed.text
    order_id = placed.json()[0]["id"]

    orders = await client.read_orders(status=1)
    assert order_id in {order.id for order in orders}
    ack = await client.acknowledge_order(order_id)
    assert not ack.already_acknowledged
    again = await client.acknowledge_order(order_id)
    assert again.already_acknowledged
    (order,) = [o for o in await client.read_orders(status=2) if o.id == order_id]
    assert order.status == 2
    after = (
        await admin.get(f"/sandbox/accounts/{account['username']}/offers/{offer['id']}")
    ).json()
    assert _general_stock(after) == _general_stock(before) - 2


def _general_stock(offer: dict[str, Any]) -> int:
    value = offer.get("general_stock", offer.get("stock"))
    if isinstance(value, list):
        return sum(int(entry["value"]) for entry in value)
    return int(value)


async def test_wrong_credentials_are_explained(account: dict[str, Any]) -> None:
    client = EmagClient(
        account["api"], account["username"], "wrong", account_key="x", limiters=LimiterRegistry()
    )
    check = await client.check_connection()
    assert not check.ok and check.kind == "auth"
