"""Orders (emag-api.md §4, §5): eMAG's stock decrement, read/count filters, acknowledge, the
status matrix, line edits and storno, the callbacks, order/attachments/save."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from emag_sandbox.util import fmt_dt, utcnow


def as_saved(order: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The complete order as last read, with changes (what eMAG asks clients to send)."""
    return {**order, **changes}


async def read_order(env, order_id: int, **filters: Any) -> dict[str, Any]:
    (order,) = await env.ok("order/read", {"id": order_id, **filters})
    return order


async def test_placing_an_order_takes_emags_stock(env):
    offer = await env.live_offer(min_stock=3)
    order = await env.place(lines=[{"product_id": offer["id"], "quantity": 2}])
    assert order["status"] == 1
    (after,) = await env.ok("product_offer/read", {"id": offer["id"]})
    assert after["general_stock"] == offer["general_stock"] - 2
    assert after["estimated_stock"] == offer["general_stock"] - 2
    assert after["stock"][0]["value"] == offer["general_stock"] - 2
    line = order["products"][0]
    assert line["product_id"] == str(offer["id"])
    assert line["quantity"] == 2 and line["vat"] == "0.2100"
    assert isinstance(line["sale_price"], str) and isinstance(order["shipping_tax"], str)
    view = await env.admin("GET", f"/accounts/seller/offers/{offer['id']}")
    assert view["stock_history"][-1]["source"] == f"order {order['id']} placed"


async def test_stock_can_be_reserved_until_acknowledge(make_env):
    async with make_env(offers=30, stock_decrement_on="acknowledge") as env:
        offer = await env.live_offer(min_stock=2)
        order = await env.place(lines=[{"product_id": offer["id"], "quantity": 1}])
        (after,) = await env.ok("product_offer/read", {"id": offer["id"]})
        assert after["general_stock"] == offer["general_stock"]
        assert after["estimated_stock"] == offer["general_stock"] - 1
        await env.ok(f"order/acknowledge/{order['id']}")
        (after,) = await env.ok("product_offer/read", {"id": offer["id"]})
        assert after["general_stock"] == after["estimated_stock"] == offer["general_stock"] - 1


async def test_order_read_filters_and_count(env):
    first = await env.place(count=1, payment_mode_id=3, seed=1)
    second = await env.place(count=1, payment_mode_id=1, seed=2)
    fbe = await env.place(count=1, type=2, seed=3)
    ids = [o["id"] for o in await env.ok("order/read", {})]
    assert ids == [second["id"], first["id"]]  # newest first; FBE hidden by default (type 3)
    assert [o["id"] for o in await env.ok("order/read", {"type": 2})] == [fbe["id"]]
    assert [o["id"] for o in await env.ok("order/read", {"payment_mode_id": 3})] == [first["id"]]
    assert len(await env.ok("order/read", {"status": [1, 2]})) == 2
    await env.ok(f"order/acknowledge/{first['id']}")
    assert [o["id"] for o in await env.ok("order/read", {"status": 2})] == [first["id"]]
    now = fmt_dt(utcnow(), "Europe/Bucharest")
    assert now is not None
    body = (await env.api("order/read", {"createdBefore": now})).json()
    assert body["isError"] is True and "createdAfter" in body["messages"][0]
    body = (
        await env.api(
            "order/read",
            {"modifiedAfter": "2026-01-01 00:00:00", "modifiedBefore": "2026-03-01 00:00:00"},
        )
    ).json()
    assert body["isError"] is True and "1 month" in body["messages"][0]
    body = (await env.api("order/count", {"createdAfter": "2026-01-01 00:00:00"})).json()
    assert body["isError"] is True  # count needs both ends
    assert (await env.api("order/read", {"createdAfter": "yesterday"})).json()["isError"] is True
    count = await env.ok("order/count", {})
    assert count == {"noOfItems": "2", "noOfPages": 1, "itemsPerPage": 100}
    assert (await env.api("order/read", {"currentPage": 70000})).json()["isError"] is True


async def test_acknowledge(env):
    order = await env.place(count=1)
    assert await env.ok(f"order/acknowledge/{order['id']}") == []
    assert (await read_order(env, order["id"]))["status"] == 2
    again = await env.api(f"order/acknowledge/{order['id']}")
    assert again.status_code == 400
    assert again.json()["messages"] == ["ERROR: Order is already in progress."]
    missing = await env.api("order/acknowledge/1")
    assert missing.status_code == 400 and missing.json()["isError"] is True


async def test_status_transition_matrix(env):
    order = await env.place(count=1)
    oid = order["id"]

    async def save(**changes: Any) -> dict[str, Any]:
        current = await read_order(env, oid, status=[0, 1, 2, 3, 4, 5])
        body: dict[str, Any] = (await env.api("order/save", [as_saved(current, **changes)])).json()
        return body

    for target in (2, 3, 4, 0, 5):  # from 1 only acknowledge leaves status 1
        assert (await save(status=target))["isError"] is True
    await env.ok(f"order/acknowledge/{oid}")
    assert (await save(status=1))["isError"] is True
    assert (await save(status=5))["isError"] is True
    assert (await save(status=3))["isError"] is False
    assert (await save(status=2))["isError"] is True  # 3 -> 2 is not allowed
    assert (await save(status=4))["isError"] is False
    assert (await save(status=3))["isError"] is False  # within 48 h of finalization
    assert (await save(status=0, reason_cancellation=33))["isError"] is False
    cancelled = await read_order(env, oid, status=0)
    assert cancelled["reason_cancellation"]["id"] == 33
    assert (await save(status=2))["isError"] is False  # reactivated within 48 h
    # type is mandatory in order/save
    current = await read_order(env, oid, status=2)
    del current["type"]
    body = (await env.api("order/save", [current])).json()
    assert body["isError"] is True and "type" in body["messages"][0]
    # past the 48 h window a cancelled order stays cancelled
    await env.ok("order/save", [as_saved(await read_order(env, oid, status=2), status=0)])
    stored = env.sandbox.store.accounts["seller"].orders[oid]
    stored.status_changed_at = stored.status_changed_at.replace(year=2020)
    assert (await save(status=2))["isError"] is True
    # a returned order is final
    other = await env.place(count=1, seed=99)
    await env.ok(f"order/acknowledge/{other['id']}")
    current = await read_order(env, other["id"])
    await env.ok("order/save", [as_saved(current, status=4)])
    await env.ok("order/save", [as_saved(current, status=5)])
    body = (await env.api("order/save", [as_saved(current, status=4)])).json()
    assert body["isError"] is True


async def test_cancelling_gives_the_stock_back(env):
    offer = await env.live_offer(min_stock=2)
    order = await env.place(lines=[{"product_id": offer["id"], "quantity": 1}])
    await env.ok(f"order/acknowledge/{order['id']}")
    current = await read_order(env, order["id"])
    await env.ok("order/save", [as_saved(current, status=0, reason_cancellation=31)])
    (after,) = await env.ok("product_offer/read", {"id": offer["id"]})
    assert after["general_stock"] == offer["general_stock"]


async def test_line_edits_in_progress_and_card_orders(env):
    a = await env.live_offer(min_stock=3)
    listing = await env.admin("GET", "/accounts/seller/offers?live=true&limit=1000")
    b = next(o for o in listing["items"] if o["id"] != a["id"] and o["general_stock"] >= 3)
    order = await env.place(
        lines=[{"product_id": a["id"], "quantity": 2}, {"product_id": b["id"], "quantity": 1}]
    )
    oid = order["id"]
    # no edits before acknowledge
    body = (await env.api("order/save", [as_saved(order, products=order["products"][:1])])).json()
    assert body["isError"] is True
    await env.ok(f"order/acknowledge/{oid}")
    current = await read_order(env, oid)
    lines = current["products"]
    # price edits are refused
    bad = [dict(lines[0], sale_price="1.0000"), lines[1]]
    assert (await env.api("order/save", [as_saved(current, products=bad)])).json()["isError"]
    # reduce a quantity and drop a line: stock comes back
    edited = [dict(lines[0], quantity=1), dict(lines[1], status=0)]
    await env.ok("order/save", [as_saved(current, products=edited)])
    (after_a,) = await env.ok("product_offer/read", {"id": a["id"]})
    (after_b,) = await env.ok("product_offer/read", {"id": b["id"]})
    assert after_a["general_stock"] == a["general_stock"] - 1
    assert after_b["general_stock"] == b["general_stock"]
    # add a virtual line
    current = await read_order(env, oid)
    added = [
        *current["products"],
        {
            "product_id": 999999,
            "name": "Discount",
            "status": 1,
            "sale_price": "-5.0000",
            "quantity": 1,
        },
    ]
    await env.ok("order/save", [as_saved(current, products=added)])
    assert len((await read_order(env, oid))["products"]) == 3
    # card orders: no quantity reduction
    card = await env.place(lines=[{"product_id": a["id"], "quantity": 1}], payment_mode_id=3)
    await env.ok(f"order/acknowledge/{card['id']}")
    current = await read_order(env, card["id"])
    body = (
        await env.api(
            "order/save", [as_saved(current, products=[dict(current["products"][0], status=0)])]
        )
    ).json()
    assert body["isError"] is True and "card" in body["messages"][0]


async def test_storno_on_a_finalized_order(env):
    offer = await env.live_offer(min_stock=2)
    order = await env.place(lines=[{"product_id": offer["id"], "quantity": 2}])
    oid = order["id"]
    body = (await env.api("order/save", [as_saved(order, is_storno=True)])).json()
    assert body["isError"] is True  # not finalized
    await env.ok(f"order/acknowledge/{oid}")
    await env.ok("order/save", [as_saved(await read_order(env, oid), status=4)])
    current = await read_order(env, oid)
    reduced = [dict(current["products"][0], quantity=1)]
    body = (await env.api("order/save", [as_saved(current, products=reduced)])).json()
    assert body["isError"] is True  # without is_storno
    body = (await env.api("order/save", [as_saved(current, is_storno=True)])).json()
    assert body["isError"] is True  # is_storno without a line change
    negative = [dict(current["products"][0], quantity=-1)]
    body = (
        await env.api("order/save", [as_saved(current, products=negative, is_storno=True)])
    ).json()
    assert body["isError"] is True
    await env.ok("order/save", [as_saved(current, products=reduced, is_storno=True)])
    after = await read_order(env, oid)
    assert after["is_storno"] is True
    assert after["products"][0]["storno_qty"] == 1 and after["products"][0]["quantity"] == 1


async def test_new_order_callback_repeats_until_acknowledged(make_env):
    async with make_env(
        offers=30, account={"new_order_callback_url": "https://shop.example/emag/cb?token=t1"}
    ) as env:
        order = await env.place(count=1)
        oid = order["id"]
        await asyncio.sleep(0.35)  # interval 0.1 s in tests
        calls = env.outbound.calls("/emag/cb")
        assert len(calls) >= 3
        for call in calls:
            assert call.method == "GET"
            assert call.url.params["order_id"] == str(oid)
            assert call.url.params["token"] == "t1"  # the seller's own params are kept
        await env.ok(f"order/acknowledge/{oid}")
        await asyncio.sleep(0.05)
        settled = len(env.outbound.calls("/emag/cb"))
        await asyncio.sleep(0.3)
        assert len(env.outbound.calls("/emag/cb")) == settled  # stopped by the ACK
        view = await env.admin("GET", f"/accounts/seller/orders/{oid}")
        assert view["sandbox"]["new_order_callbacks_sent"] == settled
        assert all(a["http_status"] == 200 for a in view["sandbox"]["callback_attempts"])
        log = await env.admin("GET", f"/callbacks?order_id={oid}")
        assert len(log) == settled


async def test_callback_failures_keep_repeating_and_are_recorded(make_env):
    async with make_env(
        offers=30, account={"new_order_callback_url": "https://shop.example/cb"}
    ) as env:
        env.outbound.status = 500
        order = await env.place(count=1)
        await asyncio.sleep(0.3)
        view = await env.admin("GET", f"/accounts/seller/orders/{order['id']}")
        attempts = view["sandbox"]["callback_attempts"]
        assert len(attempts) >= 2 and {a["http_status"] for a in attempts} == {500}


async def test_callback_to_a_real_http_server(make_env):
    received: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = (await reader.readline()).decode()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        received.append(request_line)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        import httpx
        from emag_sandbox.main import create_app
        from emag_sandbox.settings import SandboxSettings

        app = create_app(
            SandboxSettings(
                rate_limits_enabled=False, callback_interval_seconds=0.1, callback_tick_seconds=0.02
            )
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
                await client.post(
                    "/sandbox/accounts",
                    json={
                        "username": "u",
                        "password": "p",
                        "seed": True,
                        "offers": 20,
                        "new_order_callback_url": f"http://127.0.0.1:{port}/notify",
                    },
                )
                placed = (await client.post("/sandbox/accounts/u/orders", json={})).json()
                oid = placed[0]["id"]
                await asyncio.sleep(0.3)
                assert len(received) >= 2
                assert received[0].startswith(f"GET /notify?order_id={oid} HTTP/1.1")
                await client.post(f"/api-3/order/acknowledge/{oid}", auth=("u", "p"))
                await asyncio.sleep(0.05)
                count = len(received)
                await asyncio.sleep(0.25)
                assert len(received) == count
    finally:
        server.close()
        await server.wait_closed()


async def test_cancellation_callback(make_env):
    async with make_env(
        offers=30,
        account={
            "new_order_callback_url": "https://shop.example/new",
            "cancellation_callback_url": "https://shop.example/cancel",
        },
    ) as env:
        offer = await env.live_offer(min_stock=1)
        order = await env.place(lines=[{"product_id": offer["id"], "quantity": 1}])
        await asyncio.sleep(0.05)
        cancelled = await env.admin(
            "POST", f"/accounts/seller/orders/{order['id']}/cancel", {"reason": 2}
        )
        assert cancelled["status"] == 0
        await asyncio.sleep(0.15)
        cancels = env.outbound.calls("/cancel")
        assert len(cancels) == 1  # answered 200: sent once
        assert cancels[0].url.params["order_id"] == str(order["id"])
        news = len(env.outbound.calls("/new"))
        await asyncio.sleep(0.2)
        assert len(env.outbound.calls("/new")) == news  # no more new-order callbacks
        (after,) = await env.ok("product_offer/read", {"id": offer["id"]})
        assert after["general_stock"] == offer["general_stock"]
        # the customer cancelled before ACK: the order reads in status 0
        assert (await read_order(env, order["id"], status=0))["reason_cancellation"]["id"] == 2


async def test_attachments_are_downloaded_and_recorded(env):
    order = await env.place(count=1)
    oid = order["id"]
    line_id = order["products"][0]["id"]
    items = [
        {
            "order_id": oid,
            "order_type": 3,
            "name": "Factura TRB-000123",
            "url": "https://files.example.ro/inv/TRB-000123.pdf",
            "type": 1,
        },
        {
            "order_id": oid,
            "order_type": 3,
            "order_product_id": line_id,
            "name": "Garantie",
            "url": "https://files.example.ro/war/1.pdf",
            "type": 3,
        },
        {"order_id": oid, "order_type": 3, "url": "https://files.example.ro/missing.pdf"},
        {"order_id": oid, "order_type": 3, "url": "https://files.example.ro/page.html", "type": 4},
    ]
    assert await env.ok("order/attachments/save", {"data": items}) == []
    records = await env.admin("GET", f"/accounts/seller/attachments?order_id={oid}")
    by_url = {r["url"].rsplit("/", 1)[1]: r for r in records}
    invoice = by_url["TRB-000123.pdf"]
    assert invoice["download_status"] == "downloaded"
    assert invoice["content_type"] == "application/pdf"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert invoice["size"] == len(pdf)
    assert invoice["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert by_url["missing.pdf"]["download_status"] == "failed"
    assert by_url["missing.pdf"]["error"] == "HTTP 404"
    assert by_url["page.html"]["download_status"] == "failed"
    assert "not a PDF" in by_url["page.html"]["error"]
    read = await read_order(env, oid)
    assert {
        "name": "Factura TRB-000123",
        "url": items[0]["url"],
        "type": 1,
        "visibility": "public",
        "force_download": 0,
    } in read["attachments"]
    # the same URL is not fetched again unless force_download
    fetched = len(env.outbound.calls("TRB-000123"))
    await env.ok("order/attachments/save", [items[0]])
    assert len(env.outbound.calls("TRB-000123")) == fetched
    await env.ok("order/attachments/save", [dict(items[0], force_download=1)])
    assert len(env.outbound.calls("TRB-000123")) == fetched + 1


async def test_attachment_validation_and_unreachable_url(env):
    order = await env.place(count=1)
    oid = order["id"]
    cases = [
        {"order_id": oid, "url": "https://f.example/a.pdf"},  # order_type missing
        {"order_id": oid, "order_type": 2, "url": "https://f.example/a.pdf"},  # wrong type
        {"order_id": oid, "order_type": 3, "url": "https://f.example/a.pdf", "type": 3},
        {"order_id": oid, "order_type": 3, "url": "https://f.example/a.pdf", "name": "x" * 61},
        {"order_id": 1, "order_type": 3, "url": "https://f.example/a.pdf"},
        {"order_id": oid, "order_type": 3, "url": "https://f.example/a.pdf", "type": 2},
    ]
    for case in cases:
        body = (await env.api("order/attachments/save", [case])).json()
        assert body["isError"] is True, case
    env.sandbox.transport = None  # a real network client from now on
    env.sandbox._http = None
    await env.ok(
        "order/attachments/save",
        [{"order_id": oid, "order_type": 3, "url": "http://127.0.0.1:9/nothing.pdf"}],
    )
    (record,) = await env.admin("GET", f"/accounts/seller/attachments?order_id={oid}")
    assert record["download_status"] == "failed" and "ConnectError" in record["error"]


async def test_background_download(make_env):
    async with make_env(offers=20, attachment_download_inline=False) as env:
        order = await env.place(count=1)
        await env.ok(
            "order/attachments/save",
            [{"order_id": order["id"], "order_type": 3, "url": "https://f.example/inv.pdf"}],
        )
        await env.sandbox.drain()
        (record,) = await env.admin("GET", "/accounts/seller/attachments")
        assert record["download_status"] == "downloaded"
