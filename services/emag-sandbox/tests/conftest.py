"""Fixtures: a seeded sandbox driven in-process, with a recording transport for its outbound
HTTP (order callbacks and attachment downloads)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from emag_sandbox.main import create_app
from emag_sandbox.runtime import Sandbox
from emag_sandbox.settings import SandboxSettings
from fastapi import FastAPI

USER = "seller"
PASSWORD = "s3cret"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Outbound:
    """Stands in for the internet: records every request the sandbox makes."""

    requests: list[httpx.Request] = field(default_factory=list)
    status: int = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/missing.pdf"):
            return httpx.Response(404, text="not found")
        if path.endswith("/page.html"):
            return httpx.Response(200, text="<html></html>", headers={"content-type": "text/html"})
        if path.endswith(".pdf"):
            return httpx.Response(
                200, content=PDF_BYTES, headers={"content-type": "application/pdf"}
            )
        return httpx.Response(self.status, text="ok")

    def calls(self, path_part: str) -> list[httpx.Request]:
        return [r for r in self.requests if path_part in str(r.url)]


@dataclass
class Env:
    app: FastAPI
    client: httpx.AsyncClient
    outbound: Outbound
    auth: tuple[str, str] = (USER, PASSWORD)

    @property
    def sandbox(self) -> Sandbox:
        sandbox: Sandbox = self.app.state.sandbox
        return sandbox

    async def api(
        self,
        route: str,
        body: Any = None,
        *,
        method: str = "POST",
        auth: tuple[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        if body is not None:
            kwargs["json"] = body
        return await self.client.request(
            method, f"/api-3/{route}", auth=auth or self.auth, **kwargs
        )

    async def ok(self, route: str, body: Any = None, **kwargs: Any) -> Any:
        response = await self.api(route, body, **kwargs)
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["isError"] is False, data
        return data["results"]

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.client.request(method, f"/sandbox{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def place(self, **body: Any) -> dict[str, Any]:
        orders: list[dict[str, Any]] = await self.admin("POST", f"/accounts/{USER}/orders", body)
        return orders[0]

    async def live_offer(self, min_stock: int = 2) -> dict[str, Any]:
        listing = await self.admin("GET", f"/accounts/{USER}/offers?live=true&limit=1000")
        for item in listing["items"]:
            if item["general_stock"] >= min_stock:
                return dict(item)
        raise AssertionError("no live offer")


def sandbox_settings(**overrides: Any) -> SandboxSettings:
    values: dict[str, Any] = {
        "rate_limits_enabled": False,
        "callback_interval_seconds": 0.1,
        "callback_tick_seconds": 0.02,
        "validation_delay_seconds": 0.05,
        "attachment_download_inline": True,
    }
    values.update(overrides)
    return SandboxSettings(**values)


EnvFactory = Callable[..., AbstractAsyncContextManager[Env]]


@pytest.fixture
def make_env() -> EnvFactory:
    @asynccontextmanager
    async def factory(
        offers: int = 150, account: dict[str, Any] | None = None, **overrides: Any
    ) -> AsyncIterator[Env]:
        outbound = Outbound()
        app = create_app(
            sandbox_settings(**overrides), transport=httpx.MockTransport(outbound.handler)
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
                env = Env(app=app, client=client, outbound=outbound)
                spec = {
                    "username": USER,
                    "password": PASSWORD,
                    "platform": "RO",
                    "seed": True,
                    "offers": offers,
                } | (account or {})
                await env.admin("POST", "/accounts", spec)
                yield env

    return factory


@pytest.fixture
async def env(make_env: EnvFactory) -> AsyncIterator[Env]:
    async with make_env() as environment:
        yield environment
