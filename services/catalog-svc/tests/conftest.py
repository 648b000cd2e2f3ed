"""Fixtures of catalog-svc's API tests: the app on the real database, and helpers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from catalog_svc.domain import gtin_check_digit
from catalog_svc.main import create_app
from catalog_svc.settings import CatalogSvcSettings
from fastapi import FastAPI
from taraba_testing import ADMIN, auth, outbox_events, running_app

PRODUCTS = "/api/v1/products"


def new_sku() -> str:
    return f"T-{uuid.uuid4().hex[:12].upper()}"


def new_ean(length: int = 13) -> str:
    """A random EAN with a valid check digit (tests share a database: never reuse one)."""
    body = str(uuid.uuid4().int)[: length - 1].rjust(length - 1, "1")
    return body + str(gtin_check_digit(body))


@dataclass
class Catalog:
    app: FastAPI
    client: httpx.AsyncClient

    async def create(self, token: str = ADMIN, **fields: Any) -> dict[str, Any]:
        body = {"sku": new_sku(), "name": "Produs de test", **fields}
        response = await self.client.post(PRODUCTS, json=body, headers=auth(token))
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def get(self, product_id: str) -> dict[str, Any]:
        response = await self.client.get(f"{PRODUCTS}/{product_id}", headers=auth(ADMIN))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def find(self, **params: Any) -> dict[str, Any]:
        response = await self.client.get(PRODUCTS, params=params, headers=auth(ADMIN))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def import_offers(
        self, offers: list[dict[str, Any]], platform: str = "ro", **extra: Any
    ) -> list[dict[str, Any]]:
        response = await self.client.post(
            f"{PRODUCTS}/import",
            json={"platform": platform, "offers": offers, **extra},
            headers=auth(ADMIN),
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]  # type: ignore[no-any-return]

    async def outbox(self, product_id: str) -> list[tuple[str, dict[str, Any]]]:
        return await outbox_events(self.app, f"product:{product_id}")

    async def count_products(self, where: str, **params: Any) -> int:
        async with self.app.state.runtime.engine.connect() as conn:
            value = await conn.scalar(
                sa.text(f"SELECT count(*) FROM products WHERE {where}"), params
            )
        return int(value or 0)

    def tolerant_client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def catalog(make_settings: Any) -> AsyncIterator[Catalog]:
    app = create_app(make_settings(CatalogSvcSettings, db_pool_size=6))
    async with running_app(app) as client:
        yield Catalog(app, client)
