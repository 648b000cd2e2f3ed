"""emag-gateway: the app factory (`uvicorn emag_gateway.main:create_app --factory`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from taraba_platform.http import create_service_app
from taraba_platform.runtime import ServiceRuntime

from emag_gateway import accounts, jobs, journal, notify, staging
from emag_gateway.api import router as desired_stock_router
from emag_gateway.consumers import SUBSCRIPTIONS
from emag_gateway.crypto import CredentialsCipher
from emag_gateway.importer import run_import
from emag_gateway.journal import DbCallRecorder
from emag_gateway.settings import EmagGatewaySettings
from emag_gateway.sync import run_initial_sync


@contextlib.asynccontextmanager
async def emag_http(app: FastAPI, runtime: ServiceRuntime) -> AsyncIterator[None]:
    """One pooled HTTP client for every call to eMAG, and the journal they all write to."""
    settings: EmagGatewaySettings = app.state.settings
    token = settings.service_token or (
        "dev-operator-token" if settings.environment == "development" else ""
    )
    async with (
        httpx.AsyncClient(
            timeout=settings.emag_http_timeout, headers={"User-Agent": "Taraba-emag-gateway"}
        ) as client,
        httpx.AsyncClient(
            base_url=settings.catalog_url,
            timeout=120,
            transport=app.state.catalog_transport,
            headers={"Authorization": f"Bearer {token}"},
        ) as catalog,
    ):
        app.state.emag_http = client
        app.state.catalog_http = catalog
        app.state.call_recorder = DbCallRecorder(runtime.session_factory)
        yield


def create_app(
    settings: EmagGatewaySettings | None = None,
    *,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """`catalog_transport` lets a test reach catalog-svc in process instead of over TCP."""
    settings = settings or EmagGatewaySettings()
    app = create_service_app(
        settings,
        title="Taraba eMAG gateway",
        description="eMAG accounts, the mirror of eMAG data, listings and their sync state, "
        "the eMAG call journal. The only service that talks to eMAG.",
        routers=[
            accounts.router,
            staging.router,
            jobs.router,
            journal.router,
            desired_stock_router,
        ],
        public_routers=[notify.router],
        subscriptions=SUBSCRIPTIONS,
        lifespan_hooks=[
            emag_http,
            journal.journal_pruner,
            jobs.job_runner_hook(
                {"initial_sync": run_initial_sync, "import": run_import}, enabled=settings.run_jobs
            ),
        ],
    )
    app.state.credentials_cipher = CredentialsCipher(settings.credentials_keys())
    app.state.catalog_transport = catalog_transport
    return app
