"""eMAG accounts over the real database: CRUD, encryption at rest, validation, callbacks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from emag_gateway.main import create_app
from emag_gateway.settings import EmagGatewaySettings
from fastapi import FastAPI
from taraba_testing import ADMIN, OPERATOR, auth, running_app

from .conftest import cancel_pending_jobs

pytestmark = pytest.mark.integration


@pytest.fixture
async def gateway(make_settings: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(
        make_settings(
            EmagGatewaySettings, gateway_public_url="https://erp.example.ro", run_jobs=False
        )
    )
    async with running_app(app) as client:
        yield app, client
        await cancel_pending_jobs(app)


def new_account(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"eMAG RO {uuid.uuid4().hex[:8]}",
        "platform": "ro",
        "username": "seller@example.ro",
        "password": "s3cret-Pa55",
    }
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/emag/accounts", json=new_account(**overrides), headers=auth(ADMIN)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_returns_urls_and_defaults_but_never_credentials(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = gateway
    account = await create(client)
    assert account["api_url"] == "https://marketplace-api.emag.ro/api-3"
    assert account["base_url_override"] is None
    secret = account["notification_secret"]
    assert len(secret) >= 24
    assert account["notification_url"] == (
        f"https://erp.example.ro/emag/notify/{account['id']}/{secret}?order_id="
    )
    assert account["stock_sync_enabled"] is False and account["price_sync_enabled"] is False
    assert account["sync_interval_seconds"] == 60 and account["safety_buffer"] == 0
    assert account["markup_percent"] == "0.00" or float(account["markup_percent"]) == 0
    listed = (await client.get("/api/v1/emag/accounts", headers=auth(OPERATOR))).json()
    fetched = (
        await client.get(f"/api/v1/emag/accounts/{account['id']}", headers=auth(OPERATOR))
    ).text
    for text in (str(account), str(listed), fetched):
        assert "s3cret-Pa55" not in text and "seller@example.ro" not in text


async def test_credentials_are_encrypted_at_rest(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gateway
    account = await create(client)
    async with app.state.runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT username_encrypted, password_encrypted FROM emag_accounts WHERE id = :i"
                ),
                {"i": account["id"]},
            )
        ).one()
    assert "s3cret-Pa55" not in row.password_encrypted
    assert "seller@example.ro" not in row.username_encrypted
    cipher = app.state.credentials_cipher
    assert cipher.decrypt(row.password_encrypted) == "s3cret-Pa55"


async def test_base_url_override_and_back(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = gateway
    account = await create(client, platform="bg", base_url="http://127.0.0.1:8010/api-3/")
    assert account["api_url"] == "http://127.0.0.1:8010/api-3"
    response = await client.patch(
        f"/api/v1/emag/accounts/{account['id']}",
        json={"use_platform_url": True},
        headers=auth(ADMIN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["api_url"] == "https://marketplace-api.emag.bg/api-3"


async def test_sync_settings_update(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = gateway
    account = await create(client)
    warehouses = [str(uuid.uuid4()), str(uuid.uuid4())]
    response = await client.patch(
        f"/api/v1/emag/accounts/{account['id']}",
        json={
            "stock_warehouse_ids": warehouses,
            "price_warehouse_id": warehouses[0],
            "markup_percent": "12.50",
            "safety_buffer": 2,
            "sync_interval_seconds": 90,
            "stock_sync_enabled": True,
        },
        headers=auth(ADMIN),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stock_warehouse_ids"] == warehouses
    assert body["price_warehouse_id"] == warehouses[0]
    assert float(body["markup_percent"]) == 12.5
    assert body["safety_buffer"] == 2 and body["sync_interval_seconds"] == 90
    assert body["stock_sync_enabled"] is True and body["price_sync_enabled"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "pl"}, "platform"),
        ({"password": ""}, "password"),
        ({"base_url": "not a url"}, "base_url"),
        ({"markup_percent": "-1"}, "markup_percent"),
        ({"markup_percent": 12.345}, "markup_percent"),
        ({"safety_buffer": -1}, "safety_buffer"),
        ({"sync_interval_seconds": 5}, "sync_interval_seconds"),
        ({"stock_sync_enabled": "maybe"}, "stock_sync_enabled"),
        ({"surprise": 1}, "surprise"),
        ({"name": "a\x00b"}, "name"),
    ],
)
async def test_bad_input_names_the_field(
    gateway: tuple[FastAPI, httpx.AsyncClient], body: dict[str, Any], field: str
) -> None:
    _, client = gateway
    response = await client.post(
        "/api/v1/emag/accounts", json=new_account(**body), headers=auth(ADMIN)
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


async def test_duplicate_name_conflicts_and_roles_are_enforced(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = gateway
    account = await create(client)
    again = await client.post(
        "/api/v1/emag/accounts", json=new_account(name=account["name"]), headers=auth(ADMIN)
    )
    assert again.status_code == 409 and again.json()["error"]["field"] == "name"
    forbidden = await client.post(
        "/api/v1/emag/accounts", json=new_account(), headers=auth(OPERATOR)
    )
    assert forbidden.status_code == 403


async def test_delete_then_404(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    account = await create(client)
    url = f"/api/v1/emag/accounts/{account['id']}"
    callback = f"/emag/notify/{account['id']}/{account['notification_secret']}"
    assert (await client.get(callback, params={"order_id": 5})).status_code == 200
    assert (await client.delete(url, headers=auth(ADMIN))).status_code == 204
    async with app.state.runtime.engine.connect() as conn:
        left = await conn.scalar(
            sa.text(
                "SELECT (SELECT count(*) FROM emag_notifications WHERE account_id = :a) + "
                "(SELECT count(*) FROM emag_jobs WHERE account_id = :a AND status <> 'cancelled')"
            ),
            {"a": account["id"]},
        )
    assert left == 0, "its mirrored data went with it and its jobs were cancelled"
    assert (await client.get(callback, params={"order_id": 5})).status_code == 404
    missing = await client.get(url, headers=auth(ADMIN))
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "account_id"
    assert (await client.delete(url, headers=auth(ADMIN))).status_code == 404


async def test_notification_callback_needs_the_secret_and_counts_repeats(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = gateway
    account = await create(client)
    url = f"/emag/notify/{account['id']}/{account['notification_secret']}"
    first = await client.get(url, params={"order_id": 1234})
    second = await client.get(url, params={"order_id": 1234})
    assert first.status_code == 200 and second.json()["times_received"] == 2
    wrong = await client.get(f"/emag/notify/{account['id']}/nope", params={"order_id": 1})
    assert wrong.status_code == 404
    bad = await client.get(url, params={"order_id": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "order_id"
    cancelled = await client.get(f"{url}/cancelled", params={"order_id": 1234})
    assert cancelled.json()["times_received"] == 1


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("GET", "/api/v1/emag/calls/99999999999999999999", None, 422),
        ("GET", "/api/v1/emag/calls?route=%00", None, 400),
        (
            "POST",
            "/api/v1/emag/accounts",
            {
                "name": "x",
                "platform": "ro",
                "username": "u",
                "password": "p",
                "base_url": "http://user:pw@emag.test/api-3",
            },
            422,
        ),
    ],
)
async def test_bad_input_is_a_4xx_never_a_500(
    gateway: tuple[FastAPI, httpx.AsyncClient],
    method: str,
    url: str,
    body: dict[str, Any] | None,
    status: int,
) -> None:
    _, client = gateway
    response = await client.request(method, url, json=body, headers=auth(ADMIN))
    assert response.status_code == status, response.text
    assert "pw@" not in response.text


async def test_import_refuses_offer_ids_out_of_range(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = gateway
    account = await create(client)
    response = await client.post(
        f"/api/v1/emag/accounts/{account['id']}/offers/import",
        json={"offer_ids": [10**23]},
        headers=auth(ADMIN),
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == "offer_ids.0"
