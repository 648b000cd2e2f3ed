"""catalog-svc: the app factory (`uvicorn catalog_svc.main:create_app --factory`)."""

from __future__ import annotations

from fastapi import FastAPI
from taraba_platform.http import create_service_app

from catalog_svc.api import router
from catalog_svc.settings import CatalogSvcSettings


def create_app(settings: CatalogSvcSettings | None = None) -> FastAPI:
    settings = settings or CatalogSvcSettings()
    return create_service_app(
        settings,
        title="Taraba catalog",
        description=(
            "Products, their codes (SKU, EANs, additional codes, PNKs), internal categories "
            "and characteristics. Runs the eMAG import matching."
        ),
        routers=[router],
    )
