"""invoice-svc: the app factory (`uvicorn invoice_svc.main:create_app --factory`)."""

from __future__ import annotations

from fastapi import FastAPI
from taraba_platform.http import create_service_app

from invoice_svc.settings import InvoiceSvcSettings


def create_app(settings: InvoiceSvcSettings | None = None) -> FastAPI:
    settings = settings or InvoiceSvcSettings()
    return create_service_app(
        settings,
        title="Taraba invoicing",
        description=(
            "Invoice series, invoices, credit notes, delivery notes, warranty certificates, "
            "their PDFs and e-Factura XML."
        ),
    )
