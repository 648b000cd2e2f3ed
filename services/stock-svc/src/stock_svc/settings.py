"""Configuration of stock-svc: the shared TARABA_* variables, with this service's identity."""

from __future__ import annotations

from taraba_platform.settings import ServiceSettings

SERVICE_NAME = "stock-svc"
DB_SCHEMA = "stock"
DEFAULT_PORT = 8002


class StockSvcSettings(ServiceSettings):
    service_name: str = SERVICE_NAME
    db_schema: str = DB_SCHEMA
