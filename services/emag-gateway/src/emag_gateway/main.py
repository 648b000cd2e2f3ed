"""emag-gateway: the app factory (`uvicorn emag_gateway.main:create_app --factory`)."""

from __future__ import annotations

from fastapi import FastAPI
from taraba_platform.http import create_service_app

from emag_gateway.api import router
from emag_gateway.consumers import SUBSCRIPTIONS
from emag_gateway.settings import EmagGatewaySettings


def create_app(settings: EmagGatewaySettings | None = None) -> FastAPI:
    settings = settings or EmagGatewaySettings()
    return create_service_app(
        settings,
        title="Taraba eMAG gateway",
        description="eMAG accounts, the mirror of eMAG data, listings and their sync state, "
        "the eMAG call journal. The only service that talks to eMAG.",
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
    )
