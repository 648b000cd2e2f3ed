"""The first slice end to end through the real broker: a receipt in stock-svc becomes the
gateway's desired stock, exactly once, even when the gateway is down in between."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from emag_gateway.main import create_app as create_gateway
from emag_gateway.settings import EmagGatewaySettings
from stock_svc.main import create_app as create_stock
from stock_svc.settings import StockSvcSettings
from taraba_testing import ADMIN, OPERATOR, auth, eventually, running_app

pytestmark = pytest.mark.e2e


async def make_warehouse(client: httpx.AsyncClient, code: str) -> str:
    response = await client.post(
        "/api/v1/warehouses", json={"code": code, "name": code}, headers=auth(ADMIN)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def receive(
    client: httpx.AsyncClient, warehouse_id: str, product_id: str, qty: int
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/stock/movements",
        json={
            "kind": "receipt",
            "warehouse_id": warehouse_id,
            "reference": "NIR-1",
            "lines": [{"product_id": product_id, "quantity": qty}],
        },
        headers=auth(OPERATOR),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_receipt_reaches_gateway_once_even_across_a_gateway_restart(
    make_settings: Any,
) -> None:
    stock_app = create_stock(make_settings(StockSvcSettings))
    gateway_settings = make_settings(EmagGatewaySettings)
    product = str(uuid.uuid4())
    code = f"W{uuid.uuid4().hex[:6]}".upper()

    async with running_app(stock_app) as stock:
        warehouse = await make_warehouse(stock, code)

        async with running_app(create_gateway(gateway_settings)) as gateway:
            await receive(stock, warehouse, product, 5)

            async def desired() -> dict[str, Any] | None:
                r = await gateway.get(
                    f"/api/v1/emag/desired-stock/{product}", headers=auth(OPERATOR)
                )
                return r.json() if r.status_code == 200 else None

            first = await eventually(desired, message="gateway never saw the receipt")
            assert first["available_total"] == 5
            assert first["levels"][0]["warehouse_code"] == code

        # The gateway is down: receipts keep committing and queue up in its durable queue.
        await receive(stock, warehouse, product, 3)
        await receive(stock, warehouse, product, 2)

        gateway_app = create_gateway(gateway_settings)
        async with running_app(gateway_app) as gateway:

            async def caught_up() -> dict[str, Any] | None:
                r = await gateway.get(
                    f"/api/v1/emag/desired-stock/{product}", headers=auth(OPERATOR)
                )
                body = r.json()
                return body if body["available_total"] == 10 else None

            final = await eventually(caught_up, message="gateway did not catch up")
            assert final["source_sequence"] == 3
            # Exactly once: the gateway's inbox holds precisely the three events stock-svc
            # wrote for this product (other tests' leftovers may share the queue).
            async with stock_app.state.runtime.engine.connect() as conn:
                published = set(
                    (
                        await conn.scalars(
                            sa.text(
                                "SELECT message_id::text FROM outbox "
                                "WHERE envelope->>'subject' = :s"
                            ),
                            {"s": f"product:{product}"},
                        )
                    ).all()
                )
            runtime = gateway_app.state.runtime
            async with runtime.engine.connect() as conn:
                handled = set(
                    (
                        await conn.scalars(
                            sa.text(
                                "SELECT message_id FROM inbox WHERE consumer = "
                                "'emag-gateway:on_stock_level_changed' AND message_id = ANY(:ids)"
                            ),
                            {"ids": list(published)},
                        )
                    ).all()
                )
            assert len(published) == 3 and handled == published


async def test_the_request_correlation_id_follows_the_event(make_settings: Any) -> None:
    stock_app = create_stock(make_settings(StockSvcSettings))
    async with running_app(stock_app) as stock:
        warehouse = await make_warehouse(stock, f"C{uuid.uuid4().hex[:6]}".upper())
        product = str(uuid.uuid4())
        response = await stock.post(
            "/api/v1/stock/movements",
            json={
                "kind": "receipt",
                "warehouse_id": warehouse,
                "lines": [{"product_id": product, "quantity": 1}],
            },
            headers={**auth(OPERATOR), "X-Correlation-ID": "order-flow-42"},
        )
        assert response.status_code == 201
        assert response.headers["X-Correlation-ID"] == "order-flow-42"
        async with stock_app.state.runtime.engine.connect() as conn:
            envelope = await conn.scalar(
                sa.text("SELECT envelope FROM outbox WHERE envelope->>'subject' = :s"),
                {"s": f"product:{product}"},
            )
        assert envelope["correlation_id"] == "order-flow-42"
        assert envelope["source"] == "stock-svc"


async def test_queues_declared_at_setup_keep_events_sent_before_the_consumer_first_starts(
    make_settings: Any,
) -> None:
    from taraba_platform.topology_cli import declare_service_queues

    gateway_settings = make_settings(EmagGatewaySettings)
    declared = await declare_service_queues(
        [("stock-svc", "stock_svc"), ("emag-gateway", "emag_gateway")], gateway_settings
    )
    assert declared == ["emag-gateway"], "stock-svc consumes nothing yet: no queue for it"
    product = str(uuid.uuid4())
    async with running_app(create_stock(make_settings(StockSvcSettings))) as stock:
        warehouse = await make_warehouse(stock, f"E{uuid.uuid4().hex[:6]}".upper())
        await receive(stock, warehouse, product, 7)
        await eventually(lambda: _published(stock), message="receipt not published")
    async with running_app(create_gateway(gateway_settings)) as gateway:

        async def desired() -> dict[str, Any] | None:
            r = await gateway.get(f"/api/v1/emag/desired-stock/{product}", headers=auth(OPERATOR))
            return r.json() if r.status_code == 200 else None

        assert (await eventually(desired, message="early event lost"))["available_total"] == 7


async def _published(stock: httpx.AsyncClient) -> bool:
    status = await stock.get("/api/v1/ops/stock-svc/status", headers=auth(ADMIN))
    return bool(status.json()["outbox"]["backlog"] == 0)
