"""order-svc: the app factory (`uvicorn order_svc.main:create_app --factory`)."""

from __future__ import annotations

from fastapi import FastAPI
from taraba_platform.http import create_service_app

from order_svc.settings import OrderSvcSettings


def create_app(settings: OrderSvcSettings | None = None) -> FastAPI:
    settings = settings or OrderSvcSettings()
    return create_service_app(
        settings,
        title="Taraba orders",
        description=(
            "Orders of every channel, customers, addresses, lines, vouchers and order status; "
            "orchestrates order processing."
        ),
    )
