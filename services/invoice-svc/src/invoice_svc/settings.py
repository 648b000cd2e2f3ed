"""Configuration of invoice-svc: the shared TARABA_* variables, with this service's identity."""

from __future__ import annotations

from taraba_platform.settings import ServiceSettings

SERVICE_NAME = "invoice-svc"
DB_SCHEMA = "invoice"
DEFAULT_PORT = 8005


class InvoiceSvcSettings(ServiceSettings):
    service_name: str = SERVICE_NAME
    db_schema: str = DB_SCHEMA
