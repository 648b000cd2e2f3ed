"""picking-svc: the app factory (`uvicorn picking_svc.main:create_app --factory`)."""

from __future__ import annotations

from fastapi import FastAPI
from taraba_platform.http import create_service_app

from picking_svc.settings import PickingSvcSettings


def create_app(settings: PickingSvcSettings | None = None) -> FastAPI:
    settings = settings or PickingSvcSettings()
    return create_service_app(
        settings,
        title="Taraba picking",
        description=("Pick lists, pack sessions (scans), shipments and AWBs of own couriers."),
    )
