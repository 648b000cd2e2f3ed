"""The app factory: `uvicorn emag_sandbox.main:create_app --factory --port 8010`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from emag_sandbox.admin import AccountCreate, PlaceOrders, build_admin_router, random_orders
from emag_sandbox.api import NO_ROUTE, build_router
from emag_sandbox.runtime import Sandbox
from emag_sandbox.seed import seed_account, seed_account_reference, seed_platform
from emag_sandbox.settings import SandboxSettings
from emag_sandbox.state import Account
from emag_sandbox.util import utcnow


def _seed_demo(sandbox: Sandbox) -> None:
    settings = sandbox.settings
    store = sandbox.store
    if settings.demo_username in store.accounts:
        return
    spec = AccountCreate(
        username=settings.demo_username,
        password=settings.demo_password,
        platform=settings.demo_platform,
        vendor_name=settings.demo_vendor_name,
    )
    account = Account(
        username=spec.username,
        password=spec.password,
        platform=spec.platform,
        vendor_name=spec.vendor_name,
        seller_id=store.next_seller_id(),
        created=utcnow(),
        new_order_callback_url=settings.demo_new_order_callback_url,
        cancellation_callback_url=settings.demo_cancellation_callback_url,
    )
    store.accounts[account.username] = account
    seed_platform(store.platform(account.platform))
    seed_account_reference(store, account)
    seed_account(store, account, settings.demo_seed, settings.demo_offers)
    if settings.demo_orders:
        random_orders(store, account, PlaceOrders(count=settings.demo_orders))


def create_app(
    settings: SandboxSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the sandbox. `transport` (tests) replaces the network for callbacks and downloads."""
    settings = settings or SandboxSettings.from_env()
    sandbox = Sandbox(settings, transport=transport)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.seed_demo:
            _seed_demo(sandbox)
        await sandbox.start()
        try:
            yield
        finally:
            await sandbox.stop()

    app = FastAPI(
        title="eMAG Marketplace sandbox",
        description="A stateful stand-in for eMAG's Marketplace API (api-3). The eMAG routes "
        "live under /api-3 (Basic auth per seller account); the admin API under /sandbox.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    app.include_router(build_router(sandbox))
    app.include_router(build_admin_router(sandbox))

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith("/sandbox"):
            return JSONResponse(NO_ROUTE, status_code=404)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    return app
