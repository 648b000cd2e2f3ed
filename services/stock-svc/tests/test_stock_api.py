"""stock-svc's HTTP API against the real database: warehouses, receipts, adjustments, the ledger,
the outbox events they write, idempotency keys and concurrent movements."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from stock_svc.main import create_app
from stock_svc.settings import StockSvcSettings
from taraba_testing import (
    ADMIN,
    OPERATOR,
    WAREHOUSE,
    assert_error,
    auth,
    eventually,
    outbox_events,
    running_app,
)

pytestmark = pytest.mark.integration

MOVEMENTS = "/api/v1/stock/movements"
WAREHOUSES = "/api/v1/warehouses"


def new_code() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def new_product() -> str:
    return str(uuid.uuid4())


def movement(kind: str, warehouse_id: str, *lines: tuple[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "warehouse_id": warehouse_id,
        "lines": [{"product_id": p, "quantity": q} for p, q in lines],
        **extra,
    }


def normalised(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with its timestamps parsed, so `...Z` and `...+00:00` compare equal."""
    return {
        key: datetime.fromisoformat(value) if key.endswith("_at") and value else value
        for key, value in resource.items()
    }


@dataclass
class Stock:
    app: FastAPI
    client: httpx.AsyncClient

    async def create_warehouse(
        self, code: str | None = None, name: str = "Test warehouse"
    ) -> dict[str, Any]:
        response = await self.client.post(
            WAREHOUSES, json={"code": code or new_code(), "name": name}, headers=auth(ADMIN)
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def warehouse_id(self) -> str:
        return str((await self.create_warehouse())["id"])

    async def move(
        self,
        body: Any,
        *,
        token: str = OPERATOR,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {**auth(token), **(headers or {})}
        if key is not None:
            all_headers["Idempotency-Key"] = key
        return await self.client.post(MOVEMENTS, json=body, headers=all_headers)

    async def receive(
        self, warehouse_id: str, product_id: str, quantity: int, **kw: Any
    ) -> dict[str, Any]:
        response = await self.move(movement("receipt", warehouse_id, (product_id, quantity)), **kw)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def ledger(self, product_id: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get(
            MOVEMENTS, params={"product_id": product_id, **params}, headers=auth(OPERATOR)
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def levels(self, product_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/api/v1/stock", params={"product_id": product_id}, headers=auth(OPERATOR)
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def on_hand(self, product_id: str, warehouse_id: str) -> int | None:
        for level in await self.levels(product_id):
            if level["warehouse_id"] == warehouse_id:
                return int(level["on_hand"])
        return None

    async def outbox(self, product_id: str) -> list[tuple[str, dict[str, Any]]]:
        return await outbox_events(self.app, f"product:{product_id}")

    async def sequences(self, product_id: str) -> list[int]:
        return [envelope["sequence"] for _, envelope in await self.outbox(product_id)]

    async def sql(self, statement: str, **params: Any) -> None:
        async with self.app.state.runtime.engine.begin() as conn:
            await conn.execute(sa.text(statement), params)

    def tolerant_client(self) -> httpx.AsyncClient:
        """A client that turns an unhandled error into the 500 response the app sends."""
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def stock(make_settings: Any) -> AsyncIterator[Stock]:
    app = create_app(make_settings(StockSvcSettings))
    async with running_app(app) as client:
        yield Stock(app, client)


# --- warehouses -------------------------------------------------------------------------------


async def test_admin_creates_a_warehouse_with_an_upper_case_code(stock: Stock) -> None:
    code = new_code()
    created = await stock.create_warehouse(code=code.lower(), name="Depozit central")
    assert created["code"] == code.upper()
    assert created["name"] == "Depozit central"
    assert created["active"] is True
    uuid.UUID(created["id"])
    assert created["created_at"]

    read = await stock.client.get(f"{WAREHOUSES}/{created['id']}", headers=auth(OPERATOR))
    assert read.status_code == 200
    assert normalised(read.json()) == normalised(created)

    listed = await stock.client.get(WAREHOUSES, headers=auth(WAREHOUSE))
    assert listed.status_code == 200
    assert normalised(created) in [normalised(w) for w in listed.json()]
    codes = [w["code"] for w in listed.json()]
    assert codes == sorted(codes)


@pytest.mark.parametrize("token", [OPERATOR, WAREHOUSE])
async def test_only_admin_creates_warehouses(stock: Stock, token: str) -> None:
    code = new_code()
    response = await stock.client.post(
        WAREHOUSES, json={"code": code, "name": "x"}, headers=auth(token)
    )
    assert_error(response, 403, "forbidden")
    listed = await stock.client.get(
        WAREHOUSES, params={"include_inactive": "true"}, headers=auth(ADMIN)
    )
    assert code.upper() not in [w["code"] for w in listed.json()]


async def test_warehouses_need_a_token(stock: Stock) -> None:
    assert_error(await stock.client.get(WAREHOUSES), 401, "unauthenticated", "Authorization")
    assert_error(
        await stock.client.post(WAREHOUSES, json={"code": new_code(), "name": "x"}),
        401,
        "unauthenticated",
        "Authorization",
    )


async def test_duplicate_warehouse_code_is_a_conflict_on_code(stock: Stock) -> None:
    code = new_code()
    await stock.create_warehouse(code=code)
    for variant in (code, code.upper()):
        response = await stock.client.post(
            WAREHOUSES, json={"code": variant, "name": "again"}, headers=auth(ADMIN)
        )
        error = assert_error(response, 409, "conflict", "code")
        assert code.upper() in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "has space", "name": "x"}, "code"),
        ({"code": "", "name": "x"}, "code"),
        ({"code": "A" * 33, "name": "x"}, "code"),
        ({"code": "OK", "name": ""}, "name"),
        ({"name": "x"}, "code"),
        ({"code": "OK", "name": "x", "active": True}, "active"),
    ],
)
async def test_invalid_warehouse_is_refused_naming_the_field(
    stock: Stock, body: dict[str, Any], field: str
) -> None:
    response = await stock.client.post(WAREHOUSES, json=body, headers=auth(ADMIN))
    assert_error(response, 422, "validation_error", field)


async def test_admin_renames_and_deactivates_a_warehouse(stock: Stock) -> None:
    created = await stock.create_warehouse()
    path = f"{WAREHOUSES}/{created['id']}"

    renamed = await stock.client.patch(path, json={"name": "Renamed"}, headers=auth(ADMIN))
    assert renamed.status_code == 200, renamed.text
    assert normalised(renamed.json()) == normalised({**created, "name": "Renamed"})

    deactivated = await stock.client.patch(path, json={"active": False}, headers=auth(ADMIN))
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False
    assert deactivated.json()["name"] == "Renamed"

    active = await stock.client.get(WAREHOUSES, headers=auth(ADMIN))
    assert created["id"] not in [w["id"] for w in active.json()]
    everything = await stock.client.get(
        WAREHOUSES, params={"include_inactive": "true"}, headers=auth(ADMIN)
    )
    assert created["id"] in [w["id"] for w in everything.json()]
    read = await stock.client.get(path, headers=auth(ADMIN))
    assert read.json()["active"] is False

    reactivated = await stock.client.patch(path, json={"active": True}, headers=auth(ADMIN))
    assert reactivated.json()["active"] is True


@pytest.mark.parametrize("token", [OPERATOR, WAREHOUSE])
async def test_only_admin_patches_warehouses(stock: Stock, token: str) -> None:
    created = await stock.create_warehouse()
    response = await stock.client.patch(
        f"{WAREHOUSES}/{created['id']}", json={"active": False}, headers=auth(token)
    )
    assert_error(response, 403, "forbidden")
    read = await stock.client.get(f"{WAREHOUSES}/{created['id']}", headers=auth(ADMIN))
    assert read.json()["active"] is True


async def test_patch_edge_cases(stock: Stock) -> None:
    created = await stock.create_warehouse()
    path = f"{WAREHOUSES}/{created['id']}"
    assert_error(await stock.client.patch(path, json={}, headers=auth(ADMIN)), 422, None, "body")
    unknown = await stock.client.patch(path, json={"code": "NEW"}, headers=auth(ADMIN))
    error = assert_error(unknown, 422, "validation_error", "code")
    assert "unknown field" in error["message"]
    missing = await stock.client.patch(
        f"{WAREHOUSES}/{uuid.uuid4()}", json={"name": "x"}, headers=auth(ADMIN)
    )
    assert_error(missing, 404, "not_found", "warehouse_id")


async def test_unknown_and_malformed_warehouse_ids(stock: Stock) -> None:
    missing = await stock.client.get(f"{WAREHOUSES}/{uuid.uuid4()}", headers=auth(ADMIN))
    assert_error(missing, 404, "not_found", "warehouse_id")
    for bad in ("not-a-uuid", "123", uuid.uuid4().hex[:-1]):
        response = await stock.client.get(f"{WAREHOUSES}/{bad}", headers=auth(ADMIN))
        assert_error(response, 422, "validation_error", "warehouse_id")
        response = await stock.client.patch(
            f"{WAREHOUSES}/{bad}", json={"name": "x"}, headers=auth(ADMIN)
        )
        assert_error(response, 422, "validation_error", "warehouse_id")


# --- receipts and adjustments -----------------------------------------------------------------


async def test_receipt_updates_levels_and_the_ledger(stock: Stock) -> None:
    warehouse = await stock.create_warehouse()
    wid, product = str(warehouse["id"]), new_product()

    response = await stock.move(
        movement("receipt", wid, (product, 5), reference="NIR-17", note="first delivery")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    [moved] = body["movements"]
    assert moved["kind"] == "receipt"
    assert moved["product_id"] == product
    assert moved["warehouse_id"] == wid
    assert moved["quantity"] == 5
    assert moved["on_hand_after"] == 5
    assert moved["reference"] == "NIR-17"
    assert moved["note"] == "first delivery"
    [level] = body["levels"]
    assert level["product_id"] == product
    assert level["warehouse_id"] == wid
    assert level["warehouse_code"] == warehouse["code"]
    assert (level["on_hand"], level["reserved"], level["available"]) == (5, 0, 5)

    await stock.receive(wid, product, 3, token=WAREHOUSE)  # the warehouse role may receive

    ledger = await stock.ledger(product)
    assert ledger["total"] == 2
    assert [m["on_hand_after"] for m in ledger["items"]] == [8, 5]  # newest first
    assert ledger["items"][1]["id"] == moved["id"]
    assert ledger["items"][1]["reference"] == "NIR-17"

    [level] = await stock.levels(product)
    assert (level["on_hand"], level["reserved"], level["available"]) == (8, 0, 8)
    assert level["warehouse_code"] == warehouse["code"]

    by_warehouse = await stock.client.get(
        "/api/v1/stock", params={"warehouse_id": wid}, headers=auth(OPERATOR)
    )
    assert [lv["product_id"] for lv in by_warehouse.json()["items"]] == [product]


async def test_ledger_pages(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    for quantity in (1, 2, 3):
        await stock.receive(wid, product, quantity)
    page = await stock.ledger(product, limit=1, offset=1)
    assert page["total"] == 3
    assert (page["limit"], page["offset"]) == (1, 1)
    assert [m["on_hand_after"] for m in page["items"]] == [3]
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
        response = await stock.client.get(
            MOVEMENTS, params={"product_id": product, **params}, headers=auth(OPERATOR)
        )
        assert_error(response, 422, "validation_error", next(iter(params)))
    response = await stock.client.get(
        "/api/v1/stock", params={"product_id": "nope"}, headers=auth(OPERATOR)
    )
    assert_error(response, 422, "validation_error", "product_id")


async def test_one_receipt_of_several_products_and_levels_across_warehouses(stock: Stock) -> None:
    first, second = await stock.create_warehouse(), await stock.create_warehouse()
    a, b, c = new_product(), new_product(), new_product()
    response = await stock.move(movement("receipt", first["id"], (a, 1), (b, 2), (c, 3)))
    assert response.status_code == 201, response.text
    # Movements come back in the order of the request's lines.
    assert [m["product_id"] for m in response.json()["movements"]] == [a, b, c]
    assert [m["quantity"] for m in response.json()["movements"]] == [1, 2, 3]

    await stock.receive(second["id"], a, 10)
    levels = await stock.levels(a)
    assert {lv["warehouse_code"]: lv["on_hand"] for lv in levels} == {
        first["code"]: 1,
        second["code"]: 10,
    }

    # The event carries the product's levels in every warehouse, naming the one that changed.
    _, envelope = (await stock.outbox(a))[-1]
    payload = envelope["payload"]
    assert payload["changed_warehouse_ids"] == [second["id"]]
    assert {lv["warehouse_code"]: lv["on_hand"] for lv in payload["levels"]} == {
        first["code"]: 1,
        second["code"]: 10,
    }


async def test_adjustments_move_on_hand_both_ways(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    await stock.receive(wid, product, 10)
    down = await stock.move(movement("adjustment", wid, (product, -4)))
    assert down.status_code == 201, down.text
    assert down.json()["movements"][0]["on_hand_after"] == 6
    up = await stock.move(movement("adjustment", wid, (product, 2)))
    assert up.status_code == 201, up.text
    to_zero = await stock.move(movement("adjustment", wid, (product, -8)))
    assert to_zero.status_code == 201, to_zero.text
    assert await stock.on_hand(product, wid) == 0
    assert [m["kind"] for m in (await stock.ledger(product))["items"]] == [
        "adjustment",
        "adjustment",
        "adjustment",
        "receipt",
    ]


async def test_adjustment_below_zero_is_refused_and_changes_nothing(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    await stock.receive(wid, product, 3)
    ledger_before = await stock.ledger(product)
    levels_before = await stock.levels(product)
    outbox_before = await stock.outbox(product)

    response = await stock.move(movement("adjustment", wid, (product, -4)))
    error = assert_error(response, 409, None, "lines.0.quantity")
    assert "3 on hand" in error["message"]

    assert await stock.ledger(product) == ledger_before
    assert await stock.levels(product) == levels_before
    assert await stock.outbox(product) == outbox_before
    assert len(outbox_before) == 1

    # The refused movement did not use up a sequence number either.
    await stock.receive(wid, product, 1)
    assert await stock.sequences(product) == [1, 2]


async def test_adjustment_of_a_product_never_received_is_refused(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    response = await stock.move(movement("adjustment", wid, (product, -1)))
    assert_error(response, 409, None, "lines.0.quantity")
    assert await stock.levels(product) == []
    assert await stock.outbox(product) == []


async def test_adjustment_cannot_take_reserved_units(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    await stock.receive(wid, product, 10)
    # No API reserves stock yet: set the reservation as an order would.
    await stock.sql("UPDATE stock_levels SET reserved = 4 WHERE product_id = :p", p=product)
    response = await stock.move(movement("adjustment", wid, (product, -7)))
    error = assert_error(response, 409, None, "lines.0.quantity")
    assert "reserved" in error["message"]
    ok = await stock.move(movement("adjustment", wid, (product, -6)))
    assert ok.status_code == 201, ok.text
    [level] = ok.json()["levels"]
    assert (level["on_hand"], level["reserved"], level["available"]) == (4, 4, 0)


async def test_a_failing_line_rolls_back_the_whole_movement(stock: Stock) -> None:
    wid = await stock.warehouse_id()
    ok_product, short_product = new_product(), new_product()
    await stock.receive(wid, ok_product, 5)
    await stock.receive(wid, short_product, 1)
    response = await stock.move(movement("adjustment", wid, (ok_product, -1), (short_product, -2)))
    assert_error(response, 409, None, "lines.1.quantity")
    assert await stock.on_hand(ok_product, wid) == 5
    assert (await stock.ledger(ok_product))["total"] == 1
    assert await stock.sequences(ok_product) == [1]


@pytest.mark.parametrize("quantity", [0, -3])
async def test_receipt_must_bring_a_positive_quantity(stock: Stock, quantity: int) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    response = await stock.move(movement("receipt", wid, (product, quantity)))
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] == "lines.0.quantity"
    assert await stock.levels(product) == []
    assert await stock.outbox(product) == []


async def test_adjustment_of_zero_is_refused(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    await stock.receive(wid, product, 1)
    response = await stock.move(movement("adjustment", wid, (product, 0)))
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] == "lines.0.quantity"


async def test_same_product_twice_in_one_movement_is_refused(stock: Stock) -> None:
    wid, product, other = await stock.warehouse_id(), new_product(), new_product()
    response = await stock.move(movement("receipt", wid, (product, 1), (product, 2)))
    error = assert_error(response, 422, None, "lines.1.product_id")
    assert "twice" in error["message"]
    response = await stock.move(movement("receipt", wid, (other, 1), (product, 1), (product, 1)))
    assert_error(response, 422, None, "lines.2.product_id")
    assert await stock.levels(product) == []
    assert await stock.levels(other) == []


async def test_inactive_warehouse_refuses_movements(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    await stock.receive(wid, product, 2)
    patched = await stock.client.patch(
        f"{WAREHOUSES}/{wid}", json={"active": False}, headers=auth(ADMIN)
    )
    assert patched.status_code == 200
    for kind, quantity in (("receipt", 1), ("adjustment", -1)):
        response = await stock.move(movement(kind, wid, (product, quantity)))
        error = assert_error(response, 409, "conflict", "warehouse_id")
        assert "inactive" in error["message"]
    assert await stock.on_hand(product, wid) == 2
    assert (await stock.ledger(product))["total"] == 1


async def test_unknown_warehouse_is_404_on_warehouse_id(stock: Stock) -> None:
    product = new_product()
    response = await stock.move(movement("receipt", str(uuid.uuid4()), (product, 1)))
    assert_error(response, 404, "not_found", "warehouse_id")
    assert await stock.levels(product) == []


async def test_movements_need_a_token(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    response = await stock.client.post(MOVEMENTS, json=movement("receipt", wid, (product, 1)))
    assert_error(response, 401, "unauthenticated", "Authorization")
    response = await stock.move(movement("receipt", wid, (product, 1)), token="wrong")
    assert_error(response, 401, "unauthenticated", "Authorization")
    assert_error(await stock.client.get(MOVEMENTS), 401, "unauthenticated", "Authorization")
    assert_error(await stock.client.get("/api/v1/stock"), 401, "unauthenticated", "Authorization")
    assert await stock.levels(product) == []


# --- bad input --------------------------------------------------------------------------------


async def test_malformed_json_is_400(stock: Stock) -> None:
    for raw in (b'{"kind": "receipt",', b"not json", b"\xff\xfe"):
        response = await stock.client.post(
            MOVEMENTS, content=raw, headers={**auth(OPERATOR), "Content-Type": "application/json"}
        )
        assert_error(response, 400, "malformed_json", "body")


async def test_unknown_field_is_422_naming_it(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    body = movement("receipt", wid, (product, 1), colour="red")
    error = assert_error(await stock.move(body), 422, "validation_error", "colour")
    assert "unknown field" in error["message"]

    body = movement("receipt", wid, (product, 1))
    body["lines"][0]["price"] = 10
    error = assert_error(await stock.move(body), 422, "validation_error", "lines.0.price")
    assert "unknown field" in error["message"]
    assert await stock.levels(product) == []


async def test_wrong_type_is_422_naming_the_field(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    response = await stock.move(movement("receipt", wid, (product, "abc")))
    error = assert_error(response, 422, "validation_error", "lines.0.quantity")
    assert error["message"].startswith("lines.0.quantity:")
    assert error["details"][0]["field"] == "lines.0.quantity"

    response = await stock.move(movement("receipt", wid, (new_product(), 1), (product, 1.5)))
    assert_error(response, 422, "validation_error", "lines.1.quantity")
    response = await stock.move(movement("receipt", "warehouse-1", (product, 1)))
    assert_error(response, 422, "validation_error", "warehouse_id")
    response = await stock.move(movement("theft", wid, (product, 1)))
    assert_error(response, 422, "validation_error", "kind")
    response = await stock.move(movement("receipt", wid, ("not-a-uuid", 1)))
    assert_error(response, 422, "validation_error", "lines.0.product_id")
    assert await stock.levels(product) == []


async def test_several_problems_are_all_listed(stock: Stock) -> None:
    response = await stock.move({"kind": "receipt", "lines": [{"quantity": "x"}]})
    error = assert_error(response, 422, "validation_error", "warehouse_id")
    fields = {detail["field"] for detail in error["details"]}
    assert {"warehouse_id", "lines.0.product_id", "lines.0.quantity"} <= fields
    assert "more problem" in error["message"]


async def test_bad_uuid_in_a_path_is_422(stock: Stock) -> None:
    response = await stock.client.get(f"{WAREHOUSES}/x-y-z", headers=auth(OPERATOR))
    assert_error(response, 422, "validation_error", "warehouse_id")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "receipt",
        42,
        {},
        {"kind": "receipt"},
        {"kind": None, "warehouse_id": None, "lines": None},
        {"kind": "receipt", "warehouse_id": "{wid}", "lines": []},
        {"kind": "receipt", "warehouse_id": "{wid}", "lines": "abc"},
        {"kind": "receipt", "warehouse_id": "{wid}", "lines": [None]},
        {"kind": "receipt", "warehouse_id": "{wid}", "lines": [{"product_id": "{pid}"}]},
        {
            "kind": "receipt",
            "warehouse_id": "{wid}",
            "lines": [{"product_id": "{pid}", "quantity": 10**12}],
        },
        {
            "kind": "receipt",
            "warehouse_id": "{wid}",
            "lines": [{"product_id": "{pid}", "quantity": 2**70}],
        },
        {
            "kind": "adjustment",
            "warehouse_id": "{wid}",
            "lines": [{"product_id": "{pid}", "quantity": -(10**9)}],
        },
        {
            "kind": "receipt",
            "warehouse_id": "{wid}",
            "reference": "R" * 101,
            "lines": [{"product_id": "{pid}", "quantity": 1}],
        },
        {
            "kind": "receipt",
            "warehouse_id": "{wid}",
            "note": ["a"],
            "lines": [{"product_id": "{pid}", "quantity": 1}],
        },
        {
            "kind": "receipt",
            "warehouse_id": "{wid}",
            "lines": [{"product_id": str(uuid.UUID(int=i)), "quantity": 1} for i in range(1001)],
        },
    ],
    ids=lambda body: json.dumps(body)[:40],
)
async def test_bad_bodies_never_cause_a_500(stock: Stock, body: Any) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    text = json.dumps(body).replace("{wid}", wid).replace("{pid}", product)
    async with stock.tolerant_client() as client:
        response = await client.post(
            MOVEMENTS,
            content=text.encode(),
            headers={**auth(OPERATOR), "Content-Type": "application/json"},
        )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"]
    assert await stock.levels(product) == []


@pytest.mark.parametrize("target", ["reference", "note", "warehouse name"])
async def test_nul_character_in_text_is_a_422_not_a_500(stock: Stock, target: str) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    async with stock.tolerant_client() as client:
        if target == "warehouse name":
            response = await client.post(
                WAREHOUSES, json={"code": new_code(), "name": "a\x00b"}, headers=auth(ADMIN)
            )
            field = "name"
        else:
            response = await client.post(
                MOVEMENTS,
                json=movement("receipt", wid, (product, 1), **{target: "NIR\x001"}),
                headers=auth(OPERATOR),
            )
            field = target
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


async def test_receipt_overflowing_on_hand_is_a_4xx_not_a_500(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    await stock.receive(wid, product, 1)
    # ~2148 receipts of 1,000,000 would get here through the API; set the level directly.
    await stock.sql("UPDATE stock_levels SET on_hand = 2147000000 WHERE product_id = :p", p=product)
    async with stock.tolerant_client() as client:
        response = await client.post(
            MOVEMENTS, json=movement("receipt", wid, (product, 1_000_000)), headers=auth(OPERATOR)
        )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] == "lines.0.quantity"


async def test_post_answers_match_the_declared_response_model(stock: Stock) -> None:
    created = await stock.create_warehouse()
    read = await stock.client.get(f"{WAREHOUSES}/{created['id']}", headers=auth(ADMIN))
    product = new_product()
    posted = await stock.receive(created["id"], product, 1)
    [listed] = (await stock.ledger(product))["items"]
    assert posted["movements"] == [listed]
    assert created == read.json()


# --- idempotency keys -------------------------------------------------------------------------


async def test_same_key_twice_writes_once_and_replays_the_response(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    body = movement("receipt", wid, (product, 4), reference="NIR-9")
    key = f"key-{uuid.uuid4()}"

    first = await stock.move(body, key=key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    second = await stock.move(body, key=key)
    assert second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()

    ledger = await stock.ledger(product)
    assert ledger["total"] == 1
    assert ledger["items"][0]["id"] == first.json()["movements"][0]["id"]
    assert await stock.on_hand(product, wid) == 4
    assert len(await stock.outbox(product)) == 1

    # Keys are scoped per caller: another token with the same key never sees the first
    # caller's answer; its request is its own (here: a second receipt).
    third = await stock.move(body, key=key, token=WAREHOUSE)
    assert third.status_code == 201
    assert "idempotent-replayed" not in third.headers
    assert third.json()["movements"][0]["id"] != first.json()["movements"][0]["id"]
    assert await stock.on_hand(product, wid) == 8


async def test_same_key_with_a_different_body_is_refused(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    key = f"key-{uuid.uuid4()}"
    first = await stock.move(movement("receipt", wid, (product, 4)), key=key)
    assert first.status_code == 201
    response = await stock.move(movement("receipt", wid, (product, 5)), key=key)
    assert_error(response, 422, "idempotency_key_reused", "Idempotency-Key")
    assert (await stock.ledger(product))["total"] == 1
    assert await stock.on_hand(product, wid) == 4


async def test_without_a_key_every_post_writes(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    body = movement("receipt", wid, (product, 1))
    for _ in range(2):
        assert (await stock.move(body)).status_code == 201
    assert await stock.on_hand(product, wid) == 2


@pytest.mark.parametrize("key", ["k" * 300, "k" * 201, " "])
async def test_invalid_key_is_400(stock: Stock, key: str) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    response = await stock.move(movement("receipt", wid, (product, 1)), key=key)
    assert_error(response, 400, "invalid_idempotency_key", "Idempotency-Key")
    assert await stock.levels(product) == []


async def test_key_of_200_characters_is_accepted(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    key = uuid.uuid4().hex + "k" * 168
    body = movement("receipt", wid, (product, 1))
    assert (await stock.move(body, key=key)).status_code == 201
    assert (await stock.move(body, key=key)).headers["idempotent-replayed"] == "true"


async def test_a_failed_request_does_not_keep_its_key(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    key = f"key-{uuid.uuid4()}"
    take_two = movement("adjustment", wid, (product, -2))

    refused = await stock.move(take_two, key=key)
    assert_error(refused, 409, None, "lines.0.quantity")
    again = await stock.move(take_two, key=key)  # still refused, not replayed
    assert_error(again, 409, None, "lines.0.quantity")
    assert "idempotent-replayed" not in again.headers

    await stock.receive(wid, product, 5)
    retried = await stock.move(take_two, key=key)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert retried.json()["movements"][0]["on_hand_after"] == 3
    replayed = await stock.move(take_two, key=key)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert await stock.on_hand(product, wid) == 3

    # A key whose request failed may also carry a different, corrected request.
    other_key = f"key-{uuid.uuid4()}"
    assert (
        await stock.move(movement("adjustment", wid, (product, -9)), key=other_key)
    ).status_code == 409
    fixed = await stock.move(movement("adjustment", wid, (product, -1)), key=other_key)
    assert fixed.status_code == 201, fixed.text
    assert await stock.on_hand(product, wid) == 2


async def test_keys_are_scoped_to_the_route(stock: Stock) -> None:
    key = f"key-{uuid.uuid4()}"
    created = await stock.client.post(
        WAREHOUSES,
        json={"code": new_code(), "name": "w"},
        headers={**auth(ADMIN), "Idempotency-Key": key},
    )
    assert created.status_code == 201
    product = new_product()
    moved = await stock.move(movement("receipt", created.json()["id"], (product, 1)), key=key)
    assert moved.status_code == 201, moved.text
    assert "idempotent-replayed" not in moved.headers


async def test_concurrent_requests_with_one_key_write_once(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    body = movement("receipt", wid, (product, 7))
    key = f"key-{uuid.uuid4()}"
    responses = await asyncio.gather(*(stock.move(body, key=key) for _ in range(5)))
    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    assert sum("idempotent-replayed" not in r.headers for r in responses) == 1
    assert len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1
    assert await stock.on_hand(product, wid) == 7
    assert (await stock.ledger(product))["total"] == 1


async def test_warehouse_creation_is_idempotent_too(stock: Stock) -> None:
    key, code = f"key-{uuid.uuid4()}", new_code()
    headers = {**auth(ADMIN), "Idempotency-Key": key}
    first = await stock.client.post(WAREHOUSES, json={"code": code, "name": "w"}, headers=headers)
    second = await stock.client.post(WAREHOUSES, json={"code": code, "name": "w"}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()


# --- outbox events ----------------------------------------------------------------------------


async def test_each_movement_writes_one_event_per_product_in_sequence(stock: Stock) -> None:
    warehouse = await stock.create_warehouse()
    wid, product, other = str(warehouse["id"]), new_product(), new_product()
    correlation = f"corr-{uuid.uuid4()}"
    results = [
        await stock.receive(wid, product, 2, headers={"X-Correlation-ID": correlation}),
        await stock.receive(wid, product, 3),
    ]
    both = await stock.move(movement("adjustment", wid, (product, -1), (other, 6)))
    assert both.status_code == 201, both.text
    results.append(both.json())

    rows = await stock.outbox(product)
    assert len(rows) == 3
    assert [envelope["sequence"] for _, envelope in rows] == [1, 2, 3]
    for (routing_key, envelope), result in zip(rows, results, strict=True):
        assert routing_key == "stock.level_changed.v1"
        assert envelope["type"] == "stock.level_changed"
        assert envelope["version"] == 1
        assert envelope["source"] == "stock-svc"
        assert envelope["subject"] == f"product:{product}"
        [moved] = [m for m in result["movements"] if m["product_id"] == product]
        payload = envelope["payload"]
        assert payload["product_id"] == product
        assert payload["movement_id"] == moved["id"]
        assert payload["changed_warehouse_ids"] == [wid]
        [level] = payload["levels"]
        assert level["on_hand"] == moved["on_hand_after"]
        assert level["warehouse_code"] == warehouse["code"]
        assert level["available"] == level["on_hand"] - level["reserved"]
    assert [envelope["payload"]["cause"] for _, envelope in rows] == [
        "receipt",
        "receipt",
        "adjustment",
    ]
    assert [envelope["payload"]["levels"][0]["on_hand"] for _, envelope in rows] == [2, 5, 4]
    assert rows[0][1]["correlation_id"] == correlation
    assert len({envelope["id"] for _, envelope in rows}) == 3

    [(_, other_envelope)] = await stock.outbox(other)
    assert other_envelope["sequence"] == 1
    assert other_envelope["subject"] == f"product:{other}"


async def test_with_the_broker_down_writes_commit_and_the_outbox_shows_the_backlog(
    make_settings: Any,
) -> None:
    app = create_app(
        make_settings(StockSvcSettings, rabbitmq_url="amqp://guest:guest@127.0.0.1:1/")
    )
    async with running_app(app, wait_ready=False) as client:
        stock = Stock(app, client)
        wid = await stock.warehouse_id()
        await stock.receive(wid, new_product(), 1)
        await stock.receive(wid, new_product(), 2)

        async def waiting() -> dict[str, Any] | None:
            response = await client.get("/api/v1/ops/stock-svc/status", headers=auth(ADMIN))
            outbox: dict[str, Any] = response.json()["outbox"]
            return outbox if outbox["relay_active"] and outbox["rows_failing"] else None

        outbox = await eventually(waiting, message="relay never tried")
        # Earlier tests may have left rows too; at least this test's events wait, unpublished.
        assert outbox["backlog"] >= 2 and outbox["oldest_unpublished_age_seconds"] > 0
        metrics = (await client.get("/metrics")).text
        assert 'taraba_outbox_backlog{service="stock-svc"}' in metrics
        ready = await client.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["broker"] == "unavailable"


# --- concurrency ------------------------------------------------------------------------------


async def test_concurrent_receipts_of_one_product_serialise(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    body = movement("receipt", wid, (product, 1))
    responses = await asyncio.gather(*(stock.move(body) for _ in range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]

    assert await stock.on_hand(product, wid) == 20
    after = sorted(r.json()["movements"][0]["on_hand_after"] for r in responses)
    assert after == list(range(1, 21))
    ledger = await stock.ledger(product, limit=500)
    assert ledger["total"] == 20
    assert sorted(m["on_hand_after"] for m in ledger["items"]) == list(range(1, 21))

    rows = await stock.outbox(product)
    # In commit order (outbox id) the sequences count 1..20, without gaps or duplicates, and
    # each event carries the level its own transaction left.
    assert [envelope["sequence"] for _, envelope in rows] == list(range(1, 21))
    assert [envelope["payload"]["levels"][0]["on_hand"] for _, envelope in rows] == list(
        range(1, 21)
    )


async def test_concurrent_movements_in_opposite_product_order_do_not_deadlock(stock: Stock) -> None:
    wid, a, b = await stock.warehouse_id(), new_product(), new_product()
    forward = movement("receipt", wid, (a, 1), (b, 1))
    backward = movement("receipt", wid, (b, 1), (a, 1))
    responses = await asyncio.gather(
        *(stock.move(forward if i % 2 else backward) for i in range(12))
    )
    assert [r.status_code for r in responses] == [201] * 12, [r.text for r in responses]
    assert await stock.on_hand(a, wid) == 12
    assert await stock.on_hand(b, wid) == 12
    assert await stock.sequences(a) == list(range(1, 13))
    assert await stock.sequences(b) == list(range(1, 13))


async def test_concurrent_adjustments_never_oversell(stock: Stock) -> None:
    wid, product = await stock.warehouse_id(), new_product()
    await stock.receive(wid, product, 5)
    take_one = movement("adjustment", wid, (product, -1))
    responses = await asyncio.gather(*(stock.move(take_one) for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 5 + [409] * 3, [r.text for r in responses]
    assert await stock.on_hand(product, wid) == 0
    assert await stock.sequences(product) == list(range(1, 7))
