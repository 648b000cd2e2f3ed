"""Configuration of order-svc: the shared TARABA_* variables, with this service's identity."""

from __future__ import annotations

from taraba_platform.settings import ServiceSettings

SERVICE_NAME = "order-svc"
DB_SCHEMA = "orders"
DEFAULT_PORT = 8003


class OrderSvcSettings(ServiceSettings):
    service_name: str = SERVICE_NAME
    db_schema: str = DB_SCHEMA
