"""stock-svc: the app factory (`uvicorn stock_svc.main:create_app --factory`)."""

from __future__ import annotations

from fastapi import FastAPI
from taraba_platform.http import create_service_app

from stock_svc.api import router
from stock_svc.settings import StockSvcSettings


def create_app(settings: StockSvcSettings | None = None) -> FastAPI:
    settings = settings or StockSvcSettings()
    return create_service_app(
        settings,
        title="Taraba stock",
        description="Warehouses, the stock ledger, on-hand and reserved stock per product and "
        "warehouse, price lists. The single authority on available stock.",
        routers=[router],
    )
